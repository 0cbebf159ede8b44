import { RapportError, where, type Crm, type Operator, type Task } from '@rapport/core';

/** What tracking an e-mail answers: the task it landed on, and whether it was already tracked. */
export interface TrackResult {
  task: { id: string; number: string; subject: string } | null;
  messageId: string | null;
  duplicate: boolean;
}

/** Turns raw RFC 5322 bytes into a tracked e-mail, as the operator. */
export type Tracker = (raw: Buffer, operator: Operator) => Promise<TrackResult>;

/**
 * The default tracker: `crm.emails.ingest` with the mail bridge's parser when both exist,
 * else a header-only fallback that files the message as a task (see docs/decisions/0083).
 */
export function defaultTracker(crm: Crm): Tracker {
  return async (raw, operator) => headerOnlyTrack(crm.as(operator.id), raw);
}

/** Reads the header block of a message: unfolded, RFC 2047 words decoded, names lower-cased. */
export function readHeaders(raw: Buffer): Map<string, string> {
  const text = raw.subarray(0, Math.min(raw.length, 256 * 1024)).toString('latin1');
  const end = text.search(/\r?\n\r?\n/);
  const block = (end === -1 ? text : text.slice(0, end)).replace(/\r?\n[ \t]+/g, ' ');
  const headers = new Map<string, string>();
  for (const line of block.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, decodeWords(Buffer.from(line.slice(colon + 1).trim(), 'latin1').toString('utf8')));
  }
  return headers;
}

function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([bqBQ])\?([^?]*)\?=(\s+(?==\?))?/g, (_m, charset: string, enc: string, data: string) => {
    const bytes = enc.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64')
      : Buffer.from(data.replace(/_/g, ' ').replace(/=([0-9A-Fa-f]{2})/g, (_x, h: string) => String.fromCharCode(parseInt(h, 16))), 'latin1');
    try {
      return new TextDecoder(charset.toLowerCase()).decode(bytes);
    } catch {
      return bytes.toString('utf8');
    }
  });
}

/** The address inside `Name <addr>` or a bare address. */
export function addressOf(value: string | undefined): string | null {
  if (!value) return null;
  const angle = /<([^<>\s]+@[^<>\s]+)>/.exec(value);
  const bare = angle ?? /([^\s<>",;]+@[^\s<>",;]+)/.exec(value);
  return bare?.[1]?.toLowerCase() ?? null;
}

async function headerOnlyTrack(crm: Crm, raw: Buffer): Promise<TrackResult> {
  const headers = readHeaders(raw);
  const from = addressOf(headers.get('from'));
  if (!from || !headers.has('subject') && !headers.has('message-id')) {
    throw new RapportError('VALIDATION', 'body is not an RFC 5322 message: it needs a From header and a Subject or Message-ID');
  }
  const messageId = headers.get('message-id')?.replace(/^<|>$/g, '').trim().toLowerCase() || null;
  if (messageId) {
    const existing = await crm.store.find<Task>('tasks', { where: where.eq('customFields.messageId', messageId), limit: 1 });
    const task = existing.items[0];
    if (task) return { task: { id: task.id, number: task.number, subject: task.subject }, messageId, duplicate: true };
  }
  const history = await crm.history.forEmail(from, { limit: 1 });
  const subject = (headers.get('subject') ?? '').trim().slice(0, 500) || '(no subject)';
  const task = await crm.tasks.create({
    subject,
    description: `E-mail from ${headers.get('from') ?? from}${headers.get('date') ? ` (${headers.get('date')})` : ''}`,
    partnerId: history.partner?.id ?? null,
    personId: history.person?.id ?? null,
    customFields: { ...(messageId ? { messageId } : {}), source: 'addin' },
  });
  return { task: { id: task.id, number: task.number, subject: task.subject }, messageId, duplicate: false };
}

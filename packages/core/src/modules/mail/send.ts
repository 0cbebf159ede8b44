import { inUnit, type Context } from '../../context.js';
import type { Email, MailAddress } from '../../domain/email-types.js';
import type { OutboxEntry } from '../../domain/automation-types.js';
import type { Offer, SalesDocument } from '../../domain/sales-types.js';
import type { Operator, Partner, Person, Task, TaskEntry } from '../../domain/types.js';
import { RapportError, invalid } from '../../errors.js';
import { newId } from '../../ids.js';
import { where } from '../../store/filter.js';
import { readAll } from '../../store/find-all.js';
import * as v from '../../validate.js';
import { normalizeMessageId } from '../emails/normalize.js';
import { enqueueIn, messageIdFor } from '../scheduler/outbox.js';
import { templatesModule } from '../templates/index.js';
import { bytesOf, checkSize, domainOf, formatAddress, hookAttachment, keptCopies, payloadAttachments, type Attachment } from './compose.js';
import { bracketed, recordOutgoing, threadOf } from './record.js';
import type { MailHooks, MailRecipients, SendInput, SendResult } from './types.js';

const KINDS = ['task', 'offer', 'document'] as const;
const COLLECTION = { task: 'tasks', offer: 'offers', document: 'sales_documents' } as const;

/** The record being sent, loaded through the caller's rules (an invisible one is NOT_FOUND). */
interface Subject {
  kind: (typeof KINDS)[number];
  task: Task | null;
  offer: Offer | null;
  document: SalesDocument | null;
  partner: Partner | null;
  owner?: { ownerId: string | null; creatorId: string | null };
}

async function loadSubject(ctx: Context, record: SendInput['record']): Promise<Subject> {
  if (!record || typeof record !== 'object') throw invalid('mail.record', 'must be { kind, id }', record);
  const kind = v.oneOf('mail.record.kind', record.kind, KINDS);
  const id = v.id('mail.record.id', record.id);
  const found = await ctx.store.get<Task & Offer & SalesDocument>(COLLECTION[kind], id);
  if (!found) throw new RapportError('NOT_FOUND', `mail.record: ${kind} ${JSON.stringify(id)} does not exist`, { details: { field: 'mail.record.id' } });
  const partnerId = found.partnerId ?? null;
  // Host documents are not governed themselves: seeing one means seeing its partner.
  const partner = partnerId ? await (kind === 'document' ? ctx.store : ctx.rootStore).get<Partner>('partners', partnerId) : null;
  if (kind === 'document' && !partner) throw new RapportError('NOT_FOUND', `mail.record: document ${JSON.stringify(id)} does not exist`);
  return {
    kind,
    task: kind === 'task' ? found : null,
    offer: kind === 'offer' ? found : null,
    document: kind === 'document' ? found : null,
    partner,
    ...(kind === 'offer' ? { owner: { ownerId: found.ownerId ?? null, creatorId: found.createdBy ?? null } } : {}),
  };
}

interface Resolved {
  addresses: MailAddress[];
  persons: Person[];
}

/**
 * The addresses of chosen recipients: contact persons of the record's partner (seen through the
 * caller's rules), operators, or addresses that belong to one of them or to the partner itself.
 */
async function resolveRecipients(ctx: Context, field: string, r: MailRecipients | undefined, partner: Partner | null): Promise<Resolved> {
  const out: Resolved = { addresses: [], persons: [] };
  if (r === undefined) return out;
  if (!r || typeof r !== 'object') throw invalid(field, 'must be { persons?, operators?, addresses? }', r);
  const add = (a: MailAddress) => out.addresses.some((x) => x.address === a.address) || out.addresses.push(a);
  for (const [i, id] of (r.persons ?? []).entries()) {
    const person = await ctx.store.get<Person>('persons', v.id(`${field}.persons[${i}]`, id));
    if (!person) throw new RapportError('NOT_FOUND', `${field}.persons[${i}]: person ${JSON.stringify(id)} does not exist`);
    if (!partner || person.partnerId !== partner.id)
      throw invalid(`${field}.persons[${i}]`, `must be a contact person of ${partner ? `partner ${partner.code}` : 'the record’s partner (it has none)'}`, id);
    if (!person.emails[0]) throw invalid(`${field}.persons[${i}]`, `has no e-mail address (${person.firstName} ${person.lastName})`, id);
    add({ name: `${person.firstName} ${person.lastName}`.trim(), address: person.emails[0] });
    out.persons.push(person);
  }
  for (const [i, id] of (r.operators ?? []).entries()) {
    const op = await ctx.rootStore.get<Operator>('operators', v.id(`${field}.operators[${i}]`, id));
    if (!op) throw new RapportError('NOT_FOUND', `${field}.operators[${i}]: operator ${JSON.stringify(id)} does not exist`);
    add({ name: op.name, address: op.email });
  }
  const contacts = partner ? await readAll<Person>(ctx.store, 'persons', { where: where.eq('partnerId', partner.id) }) : [];
  for (const [i, raw] of (r.addresses ?? []).entries()) {
    const address = v.email(`${field}.addresses[${i}]`, raw);
    const person = contacts.find((p) => p.emails.includes(address));
    if (person) {
      add({ name: `${person.firstName} ${person.lastName}`.trim(), address });
      if (!out.persons.some((p) => p.id === person.id)) out.persons.push(person);
      continue;
    }
    if (partner?.emails.includes(address)) {
      add({ name: partner.name, address });
      continue;
    }
    const op = (await ctx.rootStore.find<Operator>('operators', { where: where.eq('email', address), limit: 1 })).items[0];
    if (!op)
      throw invalid(
        `${field}.addresses[${i}]`,
        `must belong to a contact person of ${partner ? `partner ${partner.code}` : 'the partner'}, the partner or an operator`,
        raw,
      );
    add({ name: op.name, address });
  }
  return out;
}

/** The files to attach: the task's chosen file entries, host documents and the offer's item photos (hooks). */
async function gatherAttachments(ctx: Context, hooks: MailHooks, s: Subject, wanted: SendInput['attachments']): Promise<Attachment[]> {
  const out: Attachment[] = [];
  if (!wanted) return out;
  if (wanted.files !== undefined) {
    if (!s.task) throw invalid('mail.attachments.files', 'are files of a task: the record is not a task', wanted.files);
    const entries = (await readAll<TaskEntry>(ctx.store, 'task_entries', { where: where.and(where.eq('taskId', s.task.id), where.eq('kind', 'file')) })).filter(
      (e) => e.file,
    );
    const chosen = wanted.files === 'all' ? entries : wanted.files.map((id, i) => entries.find((e) => e.id === id) ?? missingFile(i, id, s.task!));
    if (chosen.length > 0 && !ctx.blobs) throw new RapportError('VALIDATION', 'attaching task files needs a BlobStore: pass `blobs` to createCrm');
    for (const e of chosen) {
      const f = e.file!;
      out.push({
        filename: f.filename,
        contentType: f.contentType,
        content: await bytesOf(await ctx.blobs!.get(f.blobKey)),
        blob: { key: f.blobKey, sha256: f.sha256 },
      });
    }
  }
  for (const [i, doc] of (wanted.documents ?? []).entries()) {
    const field = `mail.attachments.documents[${i}]`;
    const ref = {
      docType: v.text(`${field}.docType`, doc?.docType, { max: 64 }),
      docId: v.text(`${field}.docId`, doc?.docId, { max: 128 }),
      number: doc?.number ?? null,
    };
    if (!hooks.documentAttachment) throw new RapportError('VALIDATION', `${field}: host documents need hooks.documentAttachment in createCrm`);
    const a = hookAttachment(field, await hooks.documentAttachment(ref));
    if (!a) throw new RapportError('NOT_FOUND', `${field}: the host has no printout of ${ref.docType} ${ref.docId}`);
    out.push(a);
  }
  if (wanted.itemPhotos) {
    if (!s.offer) throw invalid('mail.attachments.itemPhotos', 'are photos of an offer’s items: the record is not an offer', true);
    if (!hooks.itemPhoto) throw new RapportError('VALIDATION', 'mail.attachments.itemPhotos: item photos need hooks.itemPhoto in createCrm');
    const seen = new Set<string>();
    for (const [i, line] of s.offer.lines.entries()) {
      if (seen.has(line.item)) continue;
      seen.add(line.item);
      const a = hookAttachment(`itemPhoto(${line.item})`, await hooks.itemPhoto({ item: line.item, description: line.description }));
      if (a) out.push({ ...a, filename: a.filename || `item-${i + 1}` });
    }
  }
  checkSize('mail.attachments', out);
  return out;
}

const missingFile = (i: number, id: unknown, task: Task): never => {
  throw new RapportError('NOT_FOUND', `mail.attachments.files[${i}]: ${JSON.stringify(id)} is not a file of task ${task.number}`);
};

/** The subject and body: a template of the record's kind rendered for the first recipient, or the given text. */
async function content(ctx: Context, input: SendInput, s: Subject, first: MailAddress | undefined): Promise<{ subject: string; text: string }> {
  if (input.template !== undefined) {
    const templates = templatesModule(ctx);
    const t = await templates.get(v.id('mail.template', input.template));
    if (t.channel !== 'email') throw invalid('mail.template', `must be an e-mail template (${t.name} is ${t.channel})`, input.template);
    if (t.recordKind !== s.kind) throw invalid('mail.template', `must be written for a ${s.kind} (${t.name} is for a ${t.recordKind})`, input.template);
    const recordId = (s.task ?? s.offer)!.id;
    const out = await templates.render(t.id, {
      recordId,
      recipient: { ...(first?.name ? { name: first.name } : {}), ...(first ? { email: first.address } : {}) },
      data: input.data ?? {},
    });
    return { subject: input.subject ?? out.subject ?? '', text: out.body };
  }
  return { subject: v.text('mail.subject', input.subject, { max: 1000 }), text: typeof input.body === 'string' ? input.body : '' };
}

/** `crm.mail.send`: see `SendInput`. */
export async function sendMail(ctx: Context, hooks: MailHooks, input: SendInput): Promise<SendResult> {
  if (!input || typeof input !== 'object') throw invalid('mail', 'must be an object', input);
  const key = `mail:${input.key === undefined ? newId(ctx.clock.now().getTime()) : v.text('mail.key', input.key, { max: 200 })}`;
  const earlier = await findSent(ctx, key);
  if (earlier) return earlier;
  const s = await loadSubject(ctx, input.record);
  if (s.kind === 'document' && input.template !== undefined)
    throw invalid('mail.template', 'is for tasks and offers; give subject and body for a host document', input.template);
  const to = await resolveRecipients(ctx, 'mail.to', input.to, s.partner);
  const cc = await resolveRecipients(ctx, 'mail.cc', input.cc, s.partner);
  if (to.addresses.length === 0) throw invalid('mail.to', 'must name at least one recipient', input.to);
  const { subject, text } = await content(ctx, input, s, to.addresses[0]);
  const attachments = await gatherAttachments(ctx, hooks, s, input.attachments);
  const sender =
    input.from !== undefined
      ? v.email('mail.from', input.from)
      : ctx.actorId
        ? ((await ctx.rootStore.get<Operator>('operators', ctx.actorId))?.email ?? null)
        : null;
  const messageId = messageIdFor(key, domainOf(sender));
  const kept = await keptCopies(ctx, attachments);
  const persons = [...to.persons, ...cc.persons.filter((p) => !to.persons.some((x) => x.id === p.id))];
  return inUnit(ctx, async (unit) => {
    // Another call with the same key got here first: its message is the one.
    const raced = (await unit.system.find<OutboxEntry>('outbox', { where: where.eq('key', key), limit: 1 })).items[0];
    if (raced) return sentResult(key, raced, await emailOf(unit.tx, raced));
    const task = s.task ? ((await unit.system.get<Task>('tasks', s.task.id)) ?? s.task) : null;
    const thread = await threadOf(unit, task);
    const entry = await enqueueIn(
      unit.system,
      {
        key,
        channel: 'email',
        payload: {
          ...(sender ? { from: sender } : {}),
          to: to.addresses.map(formatAddress),
          ...(cc.addresses.length ? { cc: cc.addresses.map(formatAddress) } : {}),
          subject,
          text,
          messageId,
          ...(thread.inReplyTo ? { inReplyTo: bracketed(thread.inReplyTo), references: thread.references.map(bracketed) } : {}),
          attachments: payloadAttachments(attachments),
        },
      },
      unit.now,
    );
    const email = await recordOutgoing(unit, {
      thread,
      messageId,
      from: sender ? { name: null, address: sender } : null,
      to: to.addresses,
      cc: cc.addresses,
      subject,
      text,
      attachments: kept,
      task,
      partnerId: s.partner?.id ?? null,
      persons: persons.map((p) => ({ id: p.id, partnerId: p.partnerId })),
      ...(s.owner ? { owner: s.owner } : {}),
      bulk: false,
    });
    return { key, messageId, outbox: entry, email, duplicate: false };
  });
}

async function emailOf(store: Context['store'], entry: OutboxEntry): Promise<Email | null> {
  const messageKey = normalizeMessageId((entry.payload as { messageId?: string }).messageId);
  if (!messageKey) return null;
  return (await store.find<Email>('emails', { where: where.eq('messageKey', messageKey), limit: 1 })).items[0] ?? null;
}

/** The result of a key sent before (its e-mail read through the caller's rules), or null. */
async function findSent(ctx: Context, key: string): Promise<SendResult | null> {
  const entry = (await ctx.rootStore.find<OutboxEntry>('outbox', { where: where.eq('key', key), limit: 1 })).items[0];
  return entry ? sentResult(key, entry, await emailOf(ctx.store, entry)) : null;
}

/** A key used before: its message, or a CONFLICT when the caller may not see it (or it was no `crm.mail.send`). */
function sentResult(key: string, entry: OutboxEntry, email: Email | null): SendResult {
  if (!email) throw new RapportError('CONFLICT', `mail.key ${JSON.stringify(key.slice(5))} was used for another message: choose another key`);
  return { key, messageId: bracketed(email.messageId ?? ''), outbox: entry, email, duplicate: true };
}

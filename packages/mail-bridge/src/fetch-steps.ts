import { PassThrough, type Readable } from 'node:stream';
import type { ImapFlow } from 'imapflow';
import type { EmailSource } from '@rapport/core';
import { connectionClosed, imapError, type ImapConnection } from './connection.js';
import type { MailPipeline } from './pipeline.js';
import type { PoolResult } from './parse-pool.js';

/** Bytes of whole messages fetched at once; with the group fetched ahead, twice this is in memory. */
const MAX_BATCH_BYTES = 12 * 1024 * 1024;

/** One piece of a sync's work: a group of small messages fetched whole, or one large one streamed. */
export interface Step {
  kind: 'group' | 'large';
  uids: number[];
  /** Size of the large message (FETCH RFC822.SIZE): a stream that ends short of it was cut off. */
  size: number;
  /** The last step of a batch: after it, the checkpoint moves to `batchLastUid`. */
  batchEnd: boolean;
  batchLastUid: number;
  /** UIDs of the batch that were expunged before they could be fetched. */
  missing: number;
}

/** A group's messages, fetched, with the parse worker's results when it took them all. */
export interface Fetched {
  uids: number[];
  raws: Buffer[];
  preparsed: Promise<PoolResult[]> | null;
}

/** What the steps of one mailbox's sync share. */
export interface StepContext {
  client: ImapFlow;
  mailbox: string;
  connection: ImapConnection;
  pipeline: MailPipeline;
  source: (uid: number) => EmailSource;
}

function checkUsable(ctx: StepContext, doing: string) {
  // After a server BYE imapflow resolves fetches with nothing: that is an error, not "no mail".
  if (!ctx.client.usable) throw connectionClosed(ctx.connection, doing);
}

/**
 * The work of a sync in order: per batch of UIDs (one size FETCH each), groups of small
 * messages (fetched whole, at most MAX_BATCH_BYTES) and single large ones (streamed).
 */
export async function* planSteps(ctx: StepContext, uids: number[], batchSize: number, streamAbove: number): AsyncGenerator<Step> {
  for (let i = 0; i < uids.length; i += batchSize) {
    const batch = uids.slice(i, i + batchSize);
    const sizes = await ctx.client.fetchAll(batch.join(','), { uid: true, size: true }, { uid: true });
    checkUsable(ctx, `FETCH ${ctx.mailbox}`);
    const sizeOf = new Map(sizes.map((m) => [m.uid, m.size ?? 0]));
    const last = batch.at(-1)!;
    const steps: Step[] = [];
    let group: number[] = [];
    let groupBytes = 0;
    const close = () => {
      if (group.length) steps.push({ kind: 'group', uids: group, size: groupBytes, batchEnd: false, batchLastUid: last, missing: 0 });
      group = [];
      groupBytes = 0;
    };
    let missing = 0;
    for (const uid of batch) {
      const size = sizeOf.get(uid);
      if (size === undefined)
        missing++; // expunged since the search
      else if (size > streamAbove) {
        close();
        steps.push({ kind: 'large', uids: [uid], size, batchEnd: false, batchLastUid: last, missing: 0 });
      } else {
        if (groupBytes + size > MAX_BATCH_BYTES) close();
        group.push(uid);
        groupBytes += size;
      }
    }
    close();
    if (!steps.length) steps.push({ kind: 'group', uids: [], size: 0, batchEnd: false, batchLastUid: last, missing: 0 });
    steps.at(-1)!.batchEnd = true;
    steps.at(-1)!.missing = missing;
    yield* steps;
  }
}

/** Fetches a group's messages, handing each to the parse worker as it arrives (not when all have). */
export function prefetch(ctx: StepContext, step: Step): Promise<Fetched> | null {
  if (step.kind !== 'group' || !step.uids.length) return null;
  const p = (async (): Promise<Fetched> => {
    const data = new Map<number, { raw: Buffer; parsed: Promise<PoolResult> | null }>();
    for await (const m of ctx.client.fetch(step.uids.join(','), { uid: true, source: true }, { uid: true })) {
      if (m.source) data.set(m.uid, { raw: m.source, parsed: ctx.pipeline.preparse(m.source) });
    }
    checkUsable(ctx, `FETCH ${ctx.mailbox}`);
    const items = step.uids.flatMap((uid) => (data.has(uid) ? [{ uid, ...data.get(uid)! }] : []));
    const parsed = items.map((i) => i.parsed);
    return {
      uids: items.map((i) => i.uid),
      raws: items.map((i) => i.raw),
      preparsed: parsed.every((x) => x !== null) ? Promise.all(parsed as Array<Promise<PoolResult>>) : null,
    };
  })();
  p.catch(() => undefined); // awaited (and thrown) when its turn comes
  return p;
}

/**
 * A large message's stream that fails with CONNECTION when the connection closes before all
 * `size` bytes came: a cut-off message is the connection's problem, never a parse error to quarantine.
 */
function whole(ctx: StepContext, content: Readable, size: number, uid: number): Readable {
  const out = new PassThrough();
  let received = 0;
  const cut = () => out.destroy(connectionClosed(ctx.connection, `FETCH ${ctx.mailbox} UID ${uid} (${received} of ${size} bytes came)`));
  const onClose = () => {
    if (received < size) cut();
  };
  ctx.client.once('close', onClose);
  content.on('data', (chunk: Buffer) => {
    received += chunk.length;
    if (!out.write(chunk)) content.pause();
  });
  out.on('drain', () => content.resume());
  // A FETCH failing mid-message is the connection's (or server's) failure too.
  content.on('error', (err) => out.destroy(imapError(err, ctx.connection, `FETCH ${ctx.mailbox} UID ${uid}`)));
  content.on('end', () => {
    ctx.client.off('close', onClose);
    // The socket's close may come a turn after the stream's end.
    if (received < size) setImmediate(() => (ctx.client.usable ? out.end() : cut()));
    else out.end();
  });
  return out;
}

/** Parses and ingests one step (the group fetched ahead, or the large message streamed now). */
export async function importStep(ctx: StepContext, step: Step, data: Fetched | null): Promise<void> {
  if (step.kind === 'group') {
    if (data)
      await ctx.pipeline.ingestBatch(
        data.uids.map((uid, i) => ({ raw: data.raws[i]!, source: ctx.source(uid) })),
        await data.preparsed,
      );
    return;
  }
  const uid = step.uids[0]!;
  const download = await ctx.client.download(String(uid), undefined, { uid: true, chunkSize: 1024 * 1024 });
  if (download?.content) await ctx.pipeline.ingestRaw(whole(ctx, download.content, step.size, uid), ctx.source(uid));
  else checkUsable(ctx, `FETCH ${ctx.mailbox}`);
}

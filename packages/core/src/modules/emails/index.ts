import type { Context } from '../../context.js';
import { ingestApi } from './ingest.js';
import { mailboxStateApi } from './mailbox-state.js';
import { readsApi } from './reads.js';

export type { IngestOptions } from './ingest.js';
export { normalizeMessageId, hashMessageKey, isBulk, safeFilename } from './normalize.js';
export { DEFAULT_MAIL_POLICY, isBlocked } from './policy.js';

/** E-mail messages: ingest from any transport, threads, participants, mailbox locations, sync state. */
export function emailsModule(ctx: Context) {
  return { ...ingestApi(ctx), ...readsApi(ctx), ...mailboxStateApi(ctx) };
}

export { ImapSync, connectImap, imapError } from './imap-sync.js';
export type { ImapConnection, ImapSyncOptions, WatchOptions } from './imap-sync.js';
export { importMbox, importEml } from './files.js';
export type { FileImportOptions } from './files.js';
export { MailPipeline } from './pipeline.js';
export { parseMessage } from './parse.js';
export { emptyReport, mergeReport } from './report.js';
export type { SyncReport, MailboxReport, ProgressListener } from './report.js';

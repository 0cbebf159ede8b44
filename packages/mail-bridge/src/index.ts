// IMAP: keep the CRM's e-mail in step with mailboxes, once (`sync`) or as mail arrives (`watch`).
export { ImapSync } from './imap-sync.js';
export type { ImapSyncOptions, WatchOptions } from './imap-sync.js';
export type { ImapConnection } from './connection.js';
// Mailbox files: mbox (Thunderbird local folders) and .eml.
export { importMbox, importEml } from './files.js';
export type { FileImportOptions } from './files.js';
// What an import did.
export type { SyncReport, MailboxReport, ProgressListener } from './report.js';
// One message: parse it as every import does, and make e-mail HTML safe to display.
export { parseMessage } from './parse.js';
export type { ParsedMessage, StoreBytes } from './parse.js';
export { sanitizeEmailHtml } from './sanitize.js';
// A task back to a mailbox (with an iCalendar VTODO).
export { exportTask, buildTaskMessage } from './export.js';
export type { ExportOptions, ExportResult } from './export.js';
// Outbound mail over SMTP (the core Mailer port).
export { smtpMailer, smtpConnectionFromEnv } from './smtp.js';
export { httpSmsGateway } from './sms-http.js';
export type { HttpSmsOptions } from './sms-http.js';
export type { SmtpConnection } from './smtp.js';
// `rapport mail test`: are the credentials right?
export { checkImap, checkSmtp } from './check.js';

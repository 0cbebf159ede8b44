import { closeClient, connectImap, imapError, type ImapConnection } from './connection.js';
import { smtpMailer, type SmtpConnection } from './smtp.js';

/** Connects and logs in to an IMAP server, reads INBOX's message count, and logs out; throws a RapportError saying what failed. */
export async function checkImap(o: ImapConnection): Promise<{ inboxMessages: number }> {
  const client = await connectImap(o);
  try {
    const status = await client.status('INBOX', { messages: true }).catch((err: unknown) => Promise.reject(imapError(err, o, 'read INBOX')));
    return { inboxMessages: (status && status.messages) || 0 };
  } finally {
    await closeClient(client);
  }
}

/** Connects to an SMTP server (TLS as configured), logs in when a user is set, and quits; throws a RapportError saying what failed. */
export async function checkSmtp(o: SmtpConnection): Promise<void> {
  const mailer = smtpMailer(o);
  try {
    await mailer.verify!();
  } finally {
    await mailer.close!();
  }
}

import { isIP } from 'node:net';
import { ImapFlow, type ImapFlowOptions } from 'imapflow';
import { RapportError } from '@rapport/core';
import { unreachable } from './network-error.js';

export interface ImapConnection {
  host: string;
  port: number;
  user: string;
  password: string;
  /** `implicit`: TLS from the first byte (993); `starttls`: upgrade, required; `none`: plain. Default: implicit on 993, else starttls. */
  tls?: 'implicit' | 'starttls' | 'none';
  /** Extra CA certificates to trust (PEM), e.g. a self-signed server certificate. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Seconds for connecting and for the greeting (default 15). */
  timeoutSeconds?: number;
}

export const describeTarget = (o: ImapConnection) => `${o.host}:${o.port}`;

const UNREACHABLE = new Set([
  'ECONNREFUSED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ETIMEDOUT',
  'ECONNRESET',
  'CONNECT_TIMEOUT',
  'GREETING_TIMEOUT',
]);

/** The error of a connection the server closed (a BYE, a dropped socket) while the bridge was `doing` something. */
export function connectionClosed(o: ImapConnection, doing: string, cause?: unknown): RapportError {
  const why = (cause as { reason?: string } | undefined)?.reason;
  return new RapportError('CONNECTION', `the connection to IMAP server ${describeTarget(o)} was closed${why ? ` (${why})` : ''} while trying to ${doing}`, {
    cause,
    details: { kind: 'closed' },
  });
}

/**
 * Turns imapflow/socket errors into one-line RapportErrors: bad credentials and TLS trouble
 * `FORBIDDEN`; unreachable, closed or failing servers `CONNECTION` (never `STORAGE`, which means
 * the CRM's store failed).
 */
export function imapError(err: unknown, o: ImapConnection, doing: string): RapportError {
  if (err instanceof RapportError) return err;
  const e = err as Error & { authenticationFailed?: boolean; code?: string; responseText?: string; mailboxMissing?: boolean };
  if (e?.authenticationFailed) {
    return new RapportError(
      'FORBIDDEN',
      `IMAP login as ${o.user} at ${describeTarget(o)} failed: bad credentials${e.responseText ? ` (${e.responseText})` : ''}`,
      { cause: err },
    );
  }
  const code = e?.code ?? '';
  if (code === 'NoConnection' || code === 'EConnectionClosed') return connectionClosed(o, doing, err);
  if (UNREACHABLE.has(code)) {
    const away = unreachable(err, o.host, o.port);
    return new RapportError('CONNECTION', `IMAP server ${describeTarget(o)} is unreachable while trying to ${doing}: ${away?.says ?? code}`, {
      cause: err,
      details: { kind: 'unreachable', reason: away?.kind ?? 'network', code },
    });
  }
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|ERR_TLS|SSL/i.test(code) || /certificate|SSL routines|wrong version number/i.test(e?.message ?? '')) {
    return new RapportError(
      'FORBIDDEN',
      `TLS with ${describeTarget(o)} failed (${code || e.message}): the server's certificate is not trusted (see the \`ca\` option), or the TLS mode does not match the port`,
      { cause: err, details: { kind: 'tls', code } },
    );
  }
  return new RapportError('CONNECTION', `IMAP ${doing} at ${describeTarget(o)} failed: ${e?.responseText ?? e?.message ?? String(err)}`, {
    cause: err,
    details: { kind: 'imap', code },
  });
}

/** Logs out politely when the connection still works; a dropped one is just closed (LOGOUT would wait forever). */
export async function closeClient(client: ImapFlow): Promise<void> {
  if (!client.usable) {
    client.close();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([client.logout().catch(() => undefined), new Promise<void>((r) => (timer = setTimeout(r, 5000)))]).finally(() => clearTimeout(timer));
  client.close();
}

/**
 * `work`, or a connection error as soon as the client closes: imapflow may leave commands that
 * were waiting (a mailbox lock, a queued FETCH) pending forever when the server drops it.
 */
export function untilClosed<T>(client: ImapFlow, work: Promise<T>, o: ImapConnection, doing: string): Promise<T> {
  let onClose: (() => void) | undefined;
  const closed = new Promise<never>((_, reject) => {
    onClose = () => reject(connectionClosed(o, doing));
    if (!client.usable) onClose();
    else client.once('close', onClose);
  });
  return Promise.race([work, closed]).finally(() => client.off('close', onClose!));
}

/** Connects a new imapflow client (imapflow never reconnects: one client per connection). */
export async function connectImap(o: ImapConnection, onError?: (err: Error) => void): Promise<ImapFlow> {
  const tls = o.tls ?? (o.port === 993 ? 'implicit' : 'starttls');
  const timeout = (o.timeoutSeconds ?? 15) * 1000;
  const options: ImapFlowOptions = {
    host: o.host,
    port: o.port,
    secure: tls === 'implicit',
    auth: { user: o.user, pass: o.password },
    logger: false,
    disableAutoIdle: true,
    // Expunges come as VANISHED UIDs, and a re-sync learns them when it opens the mailbox (see expunge.ts).
    qresync: true,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    tls: { ...(o.ca ? { ca: Array.isArray(o.ca) ? o.ca : [o.ca] } : {}), ...(isIP(o.host) ? {} : { servername: o.host }) },
  };
  (options as ImapFlowOptions & { doSTARTTLS?: boolean }).doSTARTTLS = tls === 'starttls' ? true : tls === 'none' ? false : undefined;
  const client = new ImapFlow(options);
  // An 'error' event without a listener would crash the host process.
  client.on('error', (err: Error) => onError?.(err));
  try {
    await client.connect();
  } catch (err) {
    client.close();
    throw imapError(err, o, 'connect');
  }
  return client;
}

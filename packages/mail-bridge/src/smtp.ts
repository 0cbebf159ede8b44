import { isIP } from 'node:net';
import nodemailer from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool';
import { RapportError, type Mailer, type MailMessage, type SendResult } from '@rapport/core';
import { unreachable } from './network-error.js';

/** Where and how to reach an SMTP server; the password comes from the environment only. */
export interface SmtpConnection {
  host: string;
  port: number;
  /** `implicit`: TLS from the first byte (465); `starttls`: upgrade, required; `none`: plain (loopback tests). Default: implicit on 465, else starttls. */
  tls?: 'implicit' | 'starttls' | 'none';
  user?: string;
  /** The name of the environment variable holding the password (never the password itself). */
  passwordEnv?: string;
  /** The sender when a message names none. */
  from?: string;
  /** Extra CA certificates to trust (PEM), e.g. a self-signed server certificate. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Connections kept open for sending (default 5). */
  maxConnections?: number;
  /** Seconds for connecting and for the greeting (default 15). */
  timeoutSeconds?: number;
}

const describe = (o: SmtpConnection) => `${o.host}:${o.port}`;

/** The password named by `passwordEnv`, or a VALIDATION error naming the variable. */
function password(o: SmtpConnection): string | undefined {
  if (!o.passwordEnv) return undefined;
  const value = process.env[o.passwordEnv];
  if (value === undefined || value === '') throw new RapportError('VALIDATION', `environment variable ${o.passwordEnv} (SMTP password) is not set`);
  return value;
}

/** A nodemailer transport for `o`: pooled, TLS required unless `tls: 'none'`. */
function transport(o: SmtpConnection) {
  const tls = o.tls ?? (o.port === 465 ? 'implicit' : 'starttls');
  const pass = password(o);
  const timeout = (o.timeoutSeconds ?? 15) * 1000;
  const options: SMTPPool.Options = {
    pool: true,
    host: o.host,
    port: o.port,
    secure: tls === 'implicit',
    requireTLS: tls === 'starttls',
    ignoreTLS: tls === 'none',
    maxConnections: o.maxConnections ?? 5,
    maxMessages: Infinity,
    connectionTimeout: timeout,
    greetingTimeout: timeout,
    ...(o.user ? { auth: { user: o.user, ...(pass !== undefined ? { pass } : {}) } } : {}),
    tls: { ...(o.ca ? { ca: Array.isArray(o.ca) ? o.ca : [o.ca] } : {}), ...(isIP(o.host) ? {} : { servername: o.host }) },
  };
  return nodemailer.createTransport(options);
}

/**
 * Turns nodemailer errors into one-line RapportErrors: every recipient refused for good (5xx)
 * is `VALIDATION` (the outbox does not retry it); bad credentials and TLS trouble `FORBIDDEN`;
 * anything else `CONNECTION` (retried later).
 */
export function smtpError(err: unknown, o: SmtpConnection, doing: string): RapportError {
  if (err instanceof RapportError) return err;
  const e = err as Error & { code?: string; responseCode?: number; response?: string; rejected?: string[] };
  const code = e?.code ?? '';
  const said = e?.response ?? e?.message ?? String(err);
  if (code === 'EENVELOPE' && (e.responseCode ?? 0) >= 500)
    return new RapportError('VALIDATION', `SMTP server ${describe(o)} refused ${e.rejected?.join(', ') || 'the recipients'}: ${said}`, { cause: err });
  if (code === 'EAUTH')
    return new RapportError('FORBIDDEN', `SMTP login as ${o.user ?? '(no user)'} at ${describe(o)} failed: ${said}`, { cause: err, details: { kind: 'auth' } });
  if (code === 'ETLS' || /STARTTLS|certificate|SSL routines|wrong version number/i.test(said))
    return new RapportError(
      'FORBIDDEN',
      `TLS with SMTP server ${describe(o)} failed: ${said} (a server without TLS needs tls: 'none'; a self-signed certificate needs ca)`,
      { cause: err, details: { kind: 'tls' } },
    );
  const away = unreachable(err, o.host, o.port);
  if (away) return new RapportError('CONNECTION', `SMTP ${doing} failed: ${away.says}`, { cause: err, details: { kind: away.kind, code } });
  return new RapportError('CONNECTION', `SMTP ${doing} at ${describe(o)} failed (${code || 'error'}): ${said}`, {
    cause: err,
    details: { kind: 'smtp', code },
  });
}

/** A Mailer over SMTP (nodemailer, pooled connections): TLS by default, the password from `passwordEnv`. */
export function smtpMailer(o: SmtpConnection): Mailer {
  const t = transport(o);
  return {
    async send(message: MailMessage): Promise<SendResult> {
      const from = message.from ?? o.from;
      if (!from)
        throw new RapportError('VALIDATION', `e-mail ${message.messageId ?? message.subject} has no sender: set from on the message or the SMTP connection`);
      try {
        const info = await t.sendMail({ ...message, from });
        return { messageId: info.messageId, accepted: info.accepted.map(addressOf), rejected: info.rejected.map(addressOf) };
      } catch (err) {
        throw smtpError(err, o, 'send');
      }
    },
    async verify() {
      try {
        await t.verify();
      } catch (err) {
        throw smtpError(err, o, 'connection check');
      }
    },
    async close() {
      t.close();
    },
  };
}

const addressOf = (a: string | { address: string }) => (typeof a === 'string' ? a : a.address);

/**
 * The SMTP connection the environment describes: RAPPORT_SMTP_HOST, RAPPORT_SMTP_PORT (587),
 * RAPPORT_SMTP_TLS (implicit, starttls or none), RAPPORT_SMTP_USER, RAPPORT_SMTP_PASSWORD,
 * RAPPORT_SMTP_FROM. Null when RAPPORT_SMTP_HOST is not set.
 */
export function smtpConnectionFromEnv(env: NodeJS.ProcessEnv = process.env): SmtpConnection | null {
  const host = env.RAPPORT_SMTP_HOST;
  if (!host) return null;
  const port = env.RAPPORT_SMTP_PORT === undefined ? 587 : Number(env.RAPPORT_SMTP_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535)
    throw new RapportError('VALIDATION', `RAPPORT_SMTP_PORT must be a port number (got ${JSON.stringify(env.RAPPORT_SMTP_PORT)})`);
  const tls = env.RAPPORT_SMTP_TLS;
  if (tls !== undefined && tls !== 'implicit' && tls !== 'starttls' && tls !== 'none')
    throw new RapportError('VALIDATION', `RAPPORT_SMTP_TLS must be implicit, starttls or none (got ${JSON.stringify(tls)})`);
  return {
    host,
    port,
    ...(tls ? { tls } : {}),
    ...(env.RAPPORT_SMTP_USER ? { user: env.RAPPORT_SMTP_USER, passwordEnv: 'RAPPORT_SMTP_PASSWORD' } : {}),
    ...(env.RAPPORT_SMTP_FROM ? { from: env.RAPPORT_SMTP_FROM } : {}),
  };
}

import { RapportError, e164, type SmsGateway, type SmsMessage, type SmsResult } from '@rapport/core';

/**
 * An SMS provider reached over HTTP. Most providers take one POST with the number, the text and
 * a client reference, authenticated by a header, and answer with a message id; this adapter is
 * that shape, configured rather than written per provider.
 */
export interface HttpSmsOptions {
  /** The provider's send endpoint (https, or http on loopback for tests). */
  url: string;
  /** The auth header: its name (default `authorization`), an optional scheme (`Bearer`), and the environment variable holding the secret. */
  auth?: { header?: string; scheme?: string; env: string };
  /** How the body is encoded (default `json`). */
  encoding?: 'json' | 'form';
  /**
   * The body, with `{{to}}`, `{{text}}`, `{{from}}`, `{{reference}}` and `{{callbackUrl}}` in its
   * string values (default `{ to, text, from, reference, callbackUrl }`). Values are encoded by the
   * body's format, so a message text cannot change the body's structure.
   */
  body?: Record<string, unknown>;
  /** Where the provider's answer (JSON) holds the message id and status, as dotted paths (default `id`, `status`). */
  idPath?: string;
  statusPath?: string;
  /** Sender name or number when a message names none. */
  from?: string;
  /** The URL the provider calls back with delivery statuses (the API's `/api/v1/sms/status`). */
  callbackUrl?: string;
  /** Milliseconds before a send counts as failed (default 15 s). */
  timeoutMs?: number;
}

const DEFAULT_BODY = { to: '{{to}}', text: '{{text}}', from: '{{from}}', reference: '{{reference}}', callbackUrl: '{{callbackUrl}}' };

/** An `SmsGateway` over a provider's HTTP API. Numbers are checked to be E.164 before anything is sent. */
export function httpSmsGateway(options: HttpSmsOptions): SmsGateway {
  const url = new URL(options.url);
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new RapportError('VALIDATION', `sms.url must be an https URL (got ${url.protocol}//${url.host}); plain http only on loopback`);
  const timeoutMs = options.timeoutMs ?? 15_000;
  return {
    async send(message: SmsMessage): Promise<SmsResult> {
      const vars: Record<string, string> = {
        to: e164('sms.to', message.to),
        text: message.text,
        from: message.from ?? options.from ?? '',
        reference: message.reference ?? '',
        callbackUrl: options.callbackUrl ?? '',
      };
      const fields = fill(options.body ?? DEFAULT_BODY, vars);
      const form = options.encoding === 'form';
      const headers: Record<string, string> = { 'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json', accept: 'application/json' };
      if (options.auth) headers[options.auth.header ?? 'authorization'] = `${options.auth.scheme ? `${options.auth.scheme} ` : ''}${secret(options.auth.env)}`;
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers,
          body: form ? new URLSearchParams(flatten(fields)).toString() : JSON.stringify(fields),
          signal: AbortSignal.timeout(timeoutMs),
        });
      } catch (err) {
        throw new RapportError('CONNECTION', `SMS provider ${url.host} could not be reached: ${(err as Error).message}`, { cause: err });
      }
      const text = await res.text();
      if (res.status === 401 || res.status === 403)
        throw new RapportError(
          'FORBIDDEN',
          `SMS provider ${url.host} refused the credentials (HTTP ${res.status}); check ${options.auth?.env ?? 'the auth header'}`,
        );
      if (res.status >= 400 && res.status < 500)
        throw new RapportError('VALIDATION', `SMS provider ${url.host} refused the message to ${vars.to} (HTTP ${res.status}): ${text.slice(0, 200)}`);
      if (!res.ok) throw new RapportError('CONNECTION', `SMS provider ${url.host} failed (HTTP ${res.status})`);
      let answer: unknown = null;
      try {
        answer = text ? JSON.parse(text) : null;
      } catch {
        // A provider that answers 2xx with plain text accepted the message; its id is the text.
      }
      const id = answer === null ? text.trim() : readPath(answer, options.idPath ?? 'id');
      const status = answer === null ? undefined : readPath(answer, options.statusPath ?? 'status');
      return { id: id === undefined || id === null ? '' : String(id), ...(status !== undefined && status !== null ? { status: String(status) } : {}) };
    },
  };
}

function secret(env: string): string {
  const value = process.env[env];
  if (value === undefined || value === '') throw new RapportError('VALIDATION', `environment variable ${env} (SMS provider credentials) is not set`);
  return value;
}

/** The body template with each `{{name}}` in its strings replaced by the value. */
function fill(template: unknown, vars: Record<string, string>): unknown {
  if (typeof template === 'string') return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (_, name: string) => vars[name] ?? '');
  if (Array.isArray(template)) return template.map((t) => fill(t, vars));
  if (template && typeof template === 'object') return Object.fromEntries(Object.entries(template).map(([k, v]) => [k, fill(v, vars)]));
  return template;
}

function flatten(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries((value ?? {}) as Record<string, unknown>)) out[k] = typeof v === 'string' ? v : JSON.stringify(v);
  return out;
}

/** A value at a dotted path (`messages.0.id`), own properties only. */
export function readPath(value: unknown, path: string): unknown {
  let at: unknown = value;
  for (const part of path.split('.')) {
    if (at === null || typeof at !== 'object' || !Object.hasOwn(at, part)) return undefined;
    at = (at as Record<string, unknown>)[part];
  }
  return at;
}

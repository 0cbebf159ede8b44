import { isIP } from 'node:net';
import { InvalidArgumentError } from 'commander';

/** `--port`: a whole number from `min` (0 lets the system pick one) to 65535. */
export const portFrom = (min: number) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > 65_535) throw new InvalidArgumentError(`must be a port number from ${min} to 65535`);
  return n;
};

/** A calendar day YYYY-MM-DD that exists (2026-02-30 does not), as midnight UTC. */
export const day = (value: string) => {
  const at = new Date(`${value}T00:00:00Z`);
  // Date rolls 2026-02-30 over to March 2: only a day that reads back the same is real.
  if (!/^\d{4}-\d{2}-\d{2}$/.test(value) || Number.isNaN(at.getTime()) || at.toISOString().slice(0, 10) !== value) {
    throw new InvalidArgumentError('must be a date YYYY-MM-DD that exists');
  }
  return at;
};

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

/** A host name or an IP address. */
export const host = (value: string) => {
  if (isIP(value) || (value.length <= 253 && value.split('.').every((label) => LABEL.test(label)))) return value;
  throw new InvalidArgumentError('must be a host name or an IP address');
};

/** A web origin (scheme, host and optional port, nothing more), for variadic options. */
export const origins = (value: string, previous: string[] | undefined) => {
  let url: URL | null = null;
  try {
    url = new URL(value);
  } catch {
    // reported below
  }
  const bare =
    url && (url.protocol === 'https:' || url.protocol === 'http:') && !url.username && !url.password && url.pathname === '/' && !url.search && !url.hash;
  if (!url || !bare || !value.replace(/\/$/, '').endsWith(url.host)) {
    throw new InvalidArgumentError(`${JSON.stringify(value)} is not an origin such as https://crm.example.com (scheme, host and optional port)`);
  }
  return [...(previous ?? []), url.origin];
};

import { canonicalAddress, canonicalDomain } from './domain/mail-address.js';
import { invalid } from './errors.js';

/** Input checks shared by the modules; each throws VALIDATION naming the field and the value. */

export function text(field: string, value: unknown, opts: { max?: number; optional?: false }): string;
export function text(field: string, value: unknown, opts: { max?: number; optional: true }): string | null;
export function text(field: string, value: unknown, opts: { max?: number; optional?: boolean } = {}): string | null {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    if (opts.optional) return null;
    throw invalid(field, 'must not be empty', value ?? '');
  }
  if (typeof value !== 'string') throw invalid(field, 'must be a string', value);
  const trimmed = value.trim();
  const max = opts.max ?? 255;
  if (trimmed.length > max) throw invalid(field, `must be at most ${max} characters long`, `${trimmed.length} characters`);
  return trimmed;
}

export function oneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !allowed.includes(value as T)) {
    throw invalid(field, `must be one of ${allowed.join(', ')}`, value);
  }
  return value as T;
}

/** A Date (or ISO-8601 string) that is a real point in time; null/undefined allowed when optional. */
export function date(field: string, value: unknown, optional: true): Date | null;
export function date(field: string, value: unknown, optional?: false): Date;
export function date(field: string, value: unknown, optional = false): Date | null {
  if (value === undefined || value === null) {
    if (optional) return null;
    throw invalid(field, 'is required');
  }
  let d: Date | null = null;
  if (value instanceof Date) d = new Date(value.getTime());
  else if (typeof value === 'string') d = parseIsoDate(value.trim());
  if (!d || Number.isNaN(d.getTime())) throw invalid(field, 'must be a valid date', value);
  return d;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d{1,3})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;

/**
 * An ISO-8601 date or date-time; null unless every part is in range (no 2026-02-30, no 25:00).
 * Without an offset the time is read as UTC, so the result never depends on the host's time zone.
 */
function parseIsoDate(text: string): Date | null {
  const m = ISO_DATE.exec(text);
  if (!m) return null;
  const [, y, mo, day, hh = '00', mi = '00', ss = '00', frac = '', zone = 'Z'] = m;
  const [year, month, date, hour, minute, second] = [y, mo, day, hh, mi, ss].map(Number) as [number, number, number, number, number, number];
  const check = new Date(Date.UTC(year, month - 1, date));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== date) return null;
  if (hour > 23 || minute > 59 || second > 59) return null;
  const offset = zone === 'Z' ? 'Z' : zone.includes(':') ? zone : `${zone.slice(0, 3)}:${zone.slice(3)}`;
  return new Date(`${y}-${mo}-${day}T${hh}:${mi}:${ss}${frac}${offset}`);
}

const DOMAIN = /^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$/;
const EMAIL = /^[^\s@<>()[\]\\,;:"]+@[^\s@<>()[\]\\,;:"]+\.[^\s@<>()[\]\\,;:"]+$/;

/** A normalised e-mail address: trimmed, lower-case, its domain in IDNA ASCII (either spelling accepted). */
export function email(field: string, value: unknown): string {
  if (typeof value !== 'string' || !EMAIL.test(value.trim())) throw invalid(field, 'must be an e-mail address', value);
  const domain = canonicalDomain(value.slice(value.lastIndexOf('@') + 1));
  const address = canonicalAddress(value);
  if (!domain || !DOMAIN.test(domain) || address.length > 320) throw invalid(field, 'must be an e-mail address', value);
  return address;
}

export function emails(field: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(field, 'must be a list of e-mail addresses', value);
  return [...new Set(value.map((v, i) => email(`${field}[${i}]`, v)))];
}

export function domains(field: string, value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(field, 'must be a list of domains', value);
  return [
    ...new Set(
      value.map((v, i) => {
        // Unicode (żółw.pl) and IDNA ASCII (xn--w-uga1v8h.pl) are one domain, stored as the latter.
        const d = typeof v === 'string' ? canonicalDomain(v.trim().replace(/^@/, '')) : null;
        if (!d || !DOMAIN.test(d)) throw invalid(`${field}[${i}]`, 'must be a domain such as example.com', v);
        return d;
      }),
    ),
  ];
}

export function strings(field: string, value: unknown, max = 255): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw invalid(field, 'must be a list of strings', value);
  return value.map((v, i) => text(`${field}[${i}]`, v, { max }));
}

export function integer(field: string, value: unknown, opts: { min?: number; optional: true }): number | null;
export function integer(field: string, value: unknown, opts?: { min?: number; optional?: false }): number;
export function integer(field: string, value: unknown, opts: { min?: number; optional?: boolean } = {}): number | null {
  if ((value === undefined || value === null) && opts.optional) return null;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw invalid(field, 'must be a whole number', value);
  if (opts.min !== undefined && value < opts.min) throw invalid(field, `must be at least ${opts.min}`, value);
  return value;
}

export function customFields(field: string, value: unknown): Record<string, string | number | boolean | null> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value)) throw invalid(field, 'must be an object of simple values', value);
  for (const [k, v] of Object.entries(value)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]{0,63}$/.test(k)) throw invalid(`${field}.${k}`, 'is not a valid custom field name (letters, digits, _)');
    if (v !== null && !['string', 'number', 'boolean'].includes(typeof v)) throw invalid(`${field}.${k}`, 'must be a string, number, boolean or null', v);
  }
  return { ...(value as Record<string, string | number | boolean | null>) };
}

export function id(field: string, value: unknown, optional: true): string | null;
export function id(field: string, value: unknown, optional?: false): string;
export function id(field: string, value: unknown, optional = false): string | null {
  if ((value === undefined || value === null) && optional) return null;
  if (typeof value !== 'string' || value.length === 0 || value.length > 64) throw invalid(field, 'must be an id', value);
  return value;
}

export function boolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalid(field, 'must be true or false', value);
  return value;
}

/** Names of the patch's fields whose values differ from the record's (compared as JSON, so dates and lists compare by value). */
export function changedFields<T extends object>(record: T, patch: Partial<T>): string[] {
  return Object.keys(patch).filter((k) => JSON.stringify(record[k as keyof T]) !== JSON.stringify(patch[k as keyof T]));
}

/** The object without its undefined properties: an undefined field is one not given. */
export function definedOnly<T extends object>(input: T): T {
  return Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as T;
}

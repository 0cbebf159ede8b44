/**
 * Stable error codes every Rapport package uses. `STORAGE`: the CRM's store (or blob store)
 * failed. `CONNECTION`: a remote server the CRM talks to (an IMAP server) could not be reached or
 * dropped the connection — the CRM's own data is fine, and trying again later may work.
 */
export type RapportErrorCode = 'NOT_FOUND' | 'CONFLICT' | 'VALIDATION' | 'FORBIDDEN' | 'STORAGE' | 'CONNECTION';

/**
 * A registry symbol rather than the class itself identifies a RapportError: a CommonJS host can
 * load two copies of the class (each entry point of a package bundles its own), and an error
 * thrown by one must still be `instanceof` the other.
 */
const BRAND = Symbol.for('@rapport/core.RapportError');

/** The one error type Rapport throws: a stable `code` and a message naming the field and value. */
export class RapportError extends Error {
  readonly code: RapportErrorCode;
  readonly details?: Record<string, unknown>;

  static override [Symbol.hasInstance](value: unknown): boolean {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[BRAND] === true;
  }

  constructor(code: RapportErrorCode, message: string, options: { cause?: unknown; details?: Record<string, unknown> } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'RapportError';
    this.code = code;
    if (options.details) this.details = options.details;
    Object.defineProperty(this, BRAND, { value: true });
  }
}

/** True when `err` is a RapportError, optionally with the given code. */
export function isRapportError(err: unknown, code?: RapportErrorCode): err is RapportError {
  return err instanceof RapportError && (code === undefined || err.code === code);
}

export const notFound = (what: string, id: unknown) => new RapportError('NOT_FOUND', `${what} ${JSON.stringify(id)} does not exist`);

export const invalid = (field: string, problem: string, value?: unknown) =>
  new RapportError('VALIDATION', value === undefined ? `${field} ${problem}` : `${field} ${problem} (got ${show(value)})`, { details: { field } });

function show(value: unknown): string {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? 'Invalid Date' : value.toISOString();
  const text = typeof value === 'string' ? JSON.stringify(value) : String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

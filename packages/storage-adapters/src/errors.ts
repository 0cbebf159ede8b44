import { RapportError } from '@rapport/core/store';

/** Driver codes that mean "someone else won": unique violations, serialization failures, deadlocks. */
const CONFLICT_CODES = new Set(['SQLITE_CONSTRAINT_UNIQUE', 'SQLITE_CONSTRAINT_PRIMARYKEY', '23505', '40001', '40P01']);

function driverError(err: unknown): { code?: string; message: string } {
  const e = err as { driverError?: { code?: string; message?: string }; code?: string; message?: string };
  const inner = e?.driverError ?? e;
  return { code: inner?.code, message: inner?.message ?? String(err) };
}

/** Wraps a driver error as RapportError (CONFLICT or STORAGE) naming the adapter and operation. */
export function wrapError(adapter: string, operation: string, collection: string | undefined, err: unknown): RapportError {
  if (err instanceof RapportError) return err;
  const { code, message } = driverError(err);
  const where = collection ? ` on ${collection}` : '';
  if (code && CONFLICT_CODES.has(code)) {
    const what = code === '40001' || code === '40P01' ? 'a concurrent transaction conflicted' : 'a unique constraint was violated';
    return new RapportError('CONFLICT', `${adapter}: ${operation}${where} failed: ${what} (${message})`, { cause: err, details: { code } });
  }
  return new RapportError('STORAGE', `${adapter}: ${operation}${where} failed: ${message}`, { cause: err, details: code ? { code } : {} });
}

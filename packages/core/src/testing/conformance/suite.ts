import type { Schema } from '../../store/schema.js';
import type { Store, StoreCapabilities } from '../../store/store.js';
import type { SuiteHelpers } from '../hostile.js';

export interface StoreConformanceOptions {
  /** Shown in the describe block, e.g. `sqliteStore (file)`. */
  name: string;
  /** A store for `schema`, empty once `reset` (if given) has run; the suite calls `migrate()`. */
  makeStore: (schema: Schema) => Store | Promise<Store>;
  /** Runs before every `makeStore` (drop the database, the pg schema, the file...). */
  reset?: () => Promise<void>;
  /**
   * Reads one record through a second door (plain SQL on another connection; for memory, a
   * fresh read), keyed by field name, values as the database holds them (dates may come back
   * as Date, epoch ms or ISO text; json as text or parsed; booleans as 0/1 or boolean).
   * Returns null when no row has that id.
   */
  inspect: (collection: string, id: string) => Promise<Record<string, unknown> | null>;
}

/** What each part of the suite is given: the options, fresh and seeded stores, a checked find, capability skips. */
export interface Suite extends SuiteHelpers {
  options: StoreConformanceOptions;
  fresh(schema?: Schema): Promise<Store>;
  /** Skips a test, saying why, when the store declares it lacks a capability (store.capabilities). */
  skipWithout(store: Store, need: keyof StoreCapabilities, skip: (condition: boolean, note?: string) => void): void;
}

/** Normalises raw stored values so tests can check them whatever the column type. */
export const raw = {
  ms(v: unknown): number | null {
    if (v === null || v === undefined) return null;
    if (v instanceof Date) return v.getTime();
    if (typeof v === 'number' || typeof v === 'bigint') return Number(v);
    if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
    return new Date(String(v)).getTime();
  },
  json(v: unknown): unknown {
    return typeof v === 'string' ? JSON.parse(v) : v;
  },
  bool(v: unknown): boolean | null {
    if (v === null || v === undefined) return null;
    return v === true || v === 1 || v === '1' || v === 't' || v === 'true' || v === 1n;
  },
  num(v: unknown): number | null {
    return v === null || v === undefined ? null : Number(v);
  },
};

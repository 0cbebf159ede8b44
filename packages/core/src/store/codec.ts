import type { FieldDef } from './schema.js';
import type { StoreCapabilities } from './store.js';

/** How field values travel between the domain and a store: `encode` on the way in, `decode` on the way out. */
export interface ValueCodec {
  /** A domain value (Date, boolean, object) as a store with these capabilities keeps it. */
  encode(def: FieldDef, value: unknown): unknown;
  /** A value as the store gives it back, as the domain reads it (dates `Date`, booleans `boolean`, JSON parsed). */
  decode(def: FieldDef, value: unknown): unknown;
}

const toDate = (value: unknown): Date => (value instanceof Date ? value : new Date(typeof value === 'bigint' ? Number(value) : (value as string | number)));

/**
 * Core converts what a store lacks (STYLE rule 4): a store without native dates keeps epoch
 * milliseconds, without native booleans 0/1, without native JSON the JSON text. A store declares
 * its capabilities once and no adapter repeats these conversions.
 */
export function valueCodec(capabilities: Pick<StoreCapabilities, 'nativeJson' | 'nativeDates' | 'nativeBooleans'>): ValueCodec {
  const { nativeJson, nativeDates, nativeBooleans } = capabilities;
  return {
    encode(def, value) {
      if (value === null || value === undefined) return null;
      switch (def.type) {
        case 'date':
          return nativeDates ? toDate(value) : toDate(value).getTime();
        case 'boolean':
          return nativeBooleans ? value : value ? 1 : 0;
        case 'json':
          return nativeJson ? value : JSON.stringify(value);
        default:
          return value;
      }
    },
    decode(def, value) {
      if (value === null || value === undefined) return null;
      switch (def.type) {
        case 'date':
          // Without native dates a driver may hand back the milliseconds as text or bigint.
          return nativeDates || typeof value !== 'string' ? toDate(value) : new Date(Number(value));
        case 'boolean':
          return value === true || value === 1 || value === 1n || value === '1';
        case 'json':
          return !nativeJson && typeof value === 'string' ? JSON.parse(value) : value;
        case 'integer':
        case 'float':
          // Drivers return 64-bit integers and numerics as text or bigint.
          return Number(value);
        default:
          return value;
      }
    },
  };
}

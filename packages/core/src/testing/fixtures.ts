import { expect } from 'vitest';
import { isRapportError, type RapportErrorCode } from '../errors.js';
import { Schema, type CollectionDef, type StoredRecord } from '../store/schema.js';

/** The records and helpers the conformance suite's files share. */
export type Rec = StoredRecord & Record<string, unknown>;

export const items: CollectionDef = {
  name: 'conf_items',
  fields: {
    code: { type: 'string', length: 64 },
    name: { type: 'string', nullable: true },
    body: { type: 'text', nullable: true },
    qty: { type: 'integer', nullable: true },
    price: { type: 'float', nullable: true },
    active: { type: 'boolean', nullable: true },
    at: { type: 'date', nullable: true },
    customFields: { type: 'json' },
    tags: { type: 'json', nullable: true },
  },
  indexes: [
    { name: 'conf_items_code_uq', fields: ['code'], unique: true },
    // qty keyed nulls last: every comparison on it in the suite goes through a store's null key.
    {
      name: 'conf_items_qty_at',
      fields: [
        { field: 'qty', nullsLast: true },
        { field: 'at', desc: true },
      ],
    },
  ],
  search: ['name', 'body', 'tags'],
};

export const events: CollectionDef = {
  name: 'conf_events',
  fields: {
    itemId: { type: 'string', length: 64 },
    kind: { type: 'string', length: 32 },
    at: { type: 'date' },
    amount: { type: 'integer' },
    weight: { type: 'float', nullable: true },
  },
  indexes: [{ name: 'conf_events_item_at', fields: ['itemId', { field: 'at', desc: true }, { field: 'id', desc: true }] }],
};

/** The collections the suite works on: every field type, nullable fields, a unique index, JSON. */
export const conformanceSchema = new Schema([items, events]);

export const pad = (n: number) => String(n).padStart(4, '0');

export function item(n: number, over: Partial<Rec> = {}): Rec {
  return {
    id: `it-${pad(n)}`,
    version: 1,
    code: `C${pad(n)}`,
    name: `Item ${n}`,
    body: null,
    qty: n,
    price: n + 0.5,
    active: n % 2 === 0,
    at: new Date(Date.UTC(2026, 0, 1) + n * 3_600_000),
    customFields: {},
    tags: null,
    ...over,
  };
}

export async function expectCode(promise: Promise<unknown>, code: RapportErrorCode): Promise<Error> {
  let caught: unknown;
  try {
    await promise;
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected a RapportError ${code}`).toBeInstanceOf(Error);
  if (!isRapportError(caught, code)) {
    throw new Error(`expected RapportError ${code}, got ${(caught as Error).name}: ${(caught as Error).message}`);
  }
  return caught;
}

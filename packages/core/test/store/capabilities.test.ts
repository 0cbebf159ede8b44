import { describe, expect, it } from 'vitest';
import { createCrm, memoryStore } from '@rapport/core';
import { valueCodec, type FieldDef } from '@rapport/core/store';

const date: FieldDef = { type: 'date' };
const bool: FieldDef = { type: 'boolean' };
const json: FieldDef = { type: 'json' };
const int: FieldDef = { type: 'integer' };
const at = new Date('2026-03-02T09:00:00.123Z');

describe('core converts what a store lacks', () => {
  it('a store without native dates, booleans and JSON keeps epoch milliseconds, 0/1 and JSON text, and reads back the domain values', () => {
    const codec = valueCodec({ nativeDates: false, nativeBooleans: false, nativeJson: false });
    expect(codec.encode(date, at)).toBe(at.getTime());
    expect(codec.encode(bool, true)).toBe(1);
    expect(codec.encode(bool, false)).toBe(0);
    expect(codec.encode(json, { a: [1, 'x'] })).toBe('{"a":[1,"x"]}');
    expect(codec.decode(date, at.getTime())).toEqual(at);
    expect(codec.decode(date, String(at.getTime()))).toEqual(at);
    expect(codec.decode(date, BigInt(at.getTime()))).toEqual(at);
    expect(codec.decode(bool, 1)).toBe(true);
    expect(codec.decode(bool, 0)).toBe(false);
    expect(codec.decode(json, '{"a":[1,"x"]}')).toEqual({ a: [1, 'x'] });
    expect(codec.decode(int, 42n)).toBe(42);
    expect(codec.encode(date, null)).toBeNull();
    expect(codec.decode(json, undefined)).toBeNull();
  });

  it('a store with native dates, booleans and JSON gets the values as they are', () => {
    const codec = valueCodec({ nativeDates: true, nativeBooleans: true, nativeJson: true });
    expect(codec.encode(date, at)).toBe(at);
    expect(codec.encode(date, at.toISOString())).toEqual(at);
    expect(codec.encode(bool, false)).toBe(false);
    const value = { a: 1 };
    expect(codec.encode(json, value)).toBe(value);
    // A JSON string value of a native JSON column is a string, not JSON text to parse.
    expect(codec.decode(json, '"quoted"')).toBe('"quoted"');
    expect(codec.decode(date, at.toISOString())).toEqual(at);
  });

  it('a memory store declared without transactions keeps a failed transaction’s writes (it really has none)', async () => {
    const store = memoryStore({ capabilities: { transactions: false } });
    expect(store.capabilities.transactions).toBe(false);
    const crm = createCrm({ store });
    await expect(
      store.transaction(async (tx) => {
        await tx.nextSequence('probe');
        throw new Error('fails after a write');
      }),
    ).rejects.toThrow('fails after a write');
    expect(await store.nextSequence('probe')).toBe(2);
    await crm.close();
  });

  it('on a store without transactions core runs units one at a time, so concurrent first tasks share one default register', async () => {
    const crm = createCrm({ store: memoryStore({ capabilities: { transactions: false } }) });
    const op = await crm.operators.create({ name: 'Anna', email: 'anna@example.com' });
    const me = crm.as(op.id);
    const tasks = await Promise.all(Array.from({ length: 5 }, (_, i) => me.tasks.create({ subject: `Call ${i}` })));
    expect(new Set(tasks.map((t) => t.registerId)).size).toBe(1);
    expect(new Set(tasks.map((t) => t.number)).size).toBe(5);
    expect(await crm.registers.list()).toHaveLength(1);
    await crm.close();
  });
});

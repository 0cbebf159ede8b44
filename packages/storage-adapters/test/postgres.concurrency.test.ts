import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCrm, type Task } from '@rapport/core';
import { isRapportError, type Store } from '@rapport/core/store';
import { postgresStore } from '@rapport/storage-adapters';
import { createPgSchema, dropPgSchema, PG_URL, uniqueSchemaName } from './helpers.js';

const schemaName = uniqueSchemaName('conc');
let store: Store;

const task = (id: string, number: string) => ({
  id,
  version: 1,
  number,
  registerId: 'reg-1',
  subject: `Task ${number}`,
  description: null,
  partnerId: null,
  personId: null,
  ownerId: 'op-1',
  createdBy: 'op-1',
  plannedAt: null,
  dueAt: null,
  doneAt: null,
  status: 'open',
  priority: 'normal',
  parentId: null,
  private: false,
  customFields: {},
  createdAt: new Date(),
  updatedAt: new Date(),
});

beforeAll(async () => {
  await createPgSchema(schemaName);
  const s = postgresStore({ url: PG_URL, schemaName, poolSize: 10 });
  await s.migrate();
  await s.close();
});
afterAll(() => dropPgSchema(schemaName));
afterEach(() => store?.close());

describe('postgresStore under concurrent writers', () => {
  it('1,000 parallel numbered creations in one register get 1,000 distinct consecutive numbers', async () => {
    // Two stores = two pools, as two application processes would have.
    store = postgresStore({ url: PG_URL, schemaName, poolSize: 10 });
    const other = postgresStore({ url: PG_URL, schemaName, poolSize: 10 });
    try {
      const numbers = await Promise.all(
        Array.from({ length: 1000 }, (_, i) =>
          (i % 2 ? other : store).transaction(async (tx) => {
            const n = await tx.nextSequence('reg-1/2026');
            await tx.create('tasks', task(`t-${i}`, `${String(n).padStart(4, '0')}/2026/CRM`));
            return n;
          }),
        ),
      );
      expect([...numbers].sort((a, b) => a - b)).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
      expect(await store.count('tasks', { op: 'eq', field: 'registerId', value: 'reg-1' })).toBe(1000);
      const all = await store.find<{ number: string } & { id: string; version: number }>('tasks', { limit: 1000, sort: [{ field: 'number' }] });
      expect(all.items[0]!.number).toBe('0001/2026/CRM');
      expect(all.items[999]!.number).toBe('1000/2026/CRM');
    } finally {
      await other.close();
    }
  });

  it('mail batches from two processes and single task creations share one register without a gap or a repeat', async () => {
    store = postgresStore({ url: PG_URL, schemaName, poolSize: 10 });
    const other = postgresStore({ url: PG_URL, schemaName, poolSize: 10 });
    try {
      const a = createCrm({ store, mail: { register: 'MAIL' } });
      const b = createCrm({ store: other, mail: { register: 'MAIL' } });
      await a.registers.create({ code: 'MAIL', name: 'Mail', numberPattern: 'M{seq:4}' });
      await a.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.pl'] });
      const batch = (from: number) =>
        Array.from({ length: 25 }, (_, k) => ({
          message: {
            messageId: `<pg-${from + k}@zefir.pl>`,
            from: { name: null, address: `c${from + k}@zefir.pl` },
            to: [{ name: null, address: 'anna@firma.pl' }],
            subject: `Q ${from + k}`,
            date: new Date(),
          },
        }));
      await Promise.all([
        ...Array.from({ length: 8 }, (_, i) => (i % 2 ? b : a).emails.ingestMany(batch(i * 25))),
        ...Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).tasks.create({ subject: `Manual ${i}`, registerCode: 'MAIL' })),
      ]);
      const numbers = (await store.find<Task>('tasks', { limit: 1000 })).items.filter((t) => t.number.startsWith('M')).map((t) => Number(t.number.slice(1)));
      expect(numbers.sort((x, y) => x - y)).toEqual(Array.from({ length: 240 }, (_, i) => i + 1));
    } finally {
      await other.close();
    }
  });

  it('partners racing to claim one e-mail domain: exactly one gets it, the others are a CONFLICT', async () => {
    store = postgresStore({ url: PG_URL, schemaName, poolSize: 10 });
    const other = postgresStore({ url: PG_URL, schemaName, poolSize: 10 });
    try {
      const a = createCrm({ store });
      const b = createCrm({ store: other });
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => (i % 2 ? b : a).partners.create({ code: `RACE${i}`, name: `Race ${i}`, emailDomains: ['race.example'] })),
      );
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      for (const r of results) if (r.status === 'rejected') expect(isRapportError(r.reason, 'CONFLICT'), String(r.reason)).toBe(true);
      const owner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<{ id: string }>).value;
      expect((await a.partners.findByDomain('race.example'))?.id).toBe(owner.id);
      expect(await store.count('partners', { op: 'contains', field: 'code', value: 'RACE' })).toBe(1);
    } finally {
      await other.close();
    }
  });

  it('two updates with the same version: exactly one wins, the other is a CONFLICT', async () => {
    store = postgresStore({ url: PG_URL, schemaName });
    await store.create('tasks', task('race', 'R-1'));
    for (let round = 0; round < 5; round++) {
      const version = round + 1;
      const results = await Promise.allSettled([
        store.update('tasks', 'race', { subject: `a${round}` }, version),
        store.update('tasks', 'race', { subject: `b${round}` }, version),
      ]);
      expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
      const failed = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      expect(isRapportError(failed.reason, 'CONFLICT')).toBe(true);
    }
    expect((await store.get('tasks', 'race'))?.version).toBe(6);
  });

  it('the same race inside transactions that hold the row: one commits, one CONFLICT', async () => {
    store = postgresStore({ url: PG_URL, schemaName });
    await store.create('tasks', task('race-tx', 'R-2'));
    const results = await Promise.allSettled(
      Array.from({ length: 10 }, (_, i) =>
        store.transaction(async (tx) => {
          await tx.update('tasks', 'race-tx', { subject: `writer ${i}` }, 1);
          await new Promise((r) => setTimeout(r, 20));
        }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    for (const r of results) if (r.status === 'rejected') expect(isRapportError(r.reason, 'CONFLICT')).toBe(true);
  });
});

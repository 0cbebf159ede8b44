import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCrm, where, type Clock, type Store } from '@rapport/core';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';
import { dropPgSchema, PG_URL, uniqueSchemaName } from '../../packages/storage-adapters/test/helpers.js';
import { currentKind, testStore } from '../support/stores.js';

function manualClock(start: string) {
  let t = new Date(start).getTime();
  const clock: Clock & { advance(ms: number): void } = { now: () => new Date(t), advance: (ms) => void (t += ms) };
  return clock;
}

/** The store, counting the reads of each collection (transactions included). */
function counting(store: Store) {
  const reads: string[] = [];
  const wrap = (s: Store): Store =>
    new Proxy(s, {
      get(target, prop) {
        const value = Reflect.get(target, prop, target) as unknown;
        if (typeof value !== 'function') return value;
        if (prop === 'find' || prop === 'count' || prop === 'get')
          return (collection: string, ...rest: unknown[]) => {
            reads.push(collection);
            return (value as (...a: unknown[]) => unknown).call(target, collection, ...rest);
          };
        if (prop === 'transaction') return (fn: (tx: Store) => Promise<unknown>) => target.transaction((tx) => fn(wrap(tx)));
        return (value as (...a: unknown[]) => unknown).bind(target);
      },
    });
  return { store: wrap(store), reads };
}

const ruleReads = (reads: string[]) => reads.filter((c) => c === 'notification_rules' || c === 'record_watches').length;
const ruleJobs = async (store: Store) => (await store.find('jobs', { where: where.eq('kind', 'rule.event') })).items.length;
const watchJobs = async (store: Store) => (await store.find('jobs', { where: where.eq('kind', 'watch.change') })).items.length;

describe('notification planning without rules or watches', () => {
  it('reads neither table on each change while there are none, and a rule or watch made in this process counts at once', async () => {
    const { store, reads } = counting(await testStore());
    const root = createCrm({ store, clock: manualClock('2026-03-02T08:00:00Z') });
    const ewa = await root.operators.create({ name: 'Ewa', email: 'ewa@firma.pl' });
    const anna = await root.operators.create({ name: 'Anna', email: 'anna@firma.pl' });
    const task = await root.tasks.create({ subject: 'Call back', ownerId: ewa.id });
    reads.length = 0;
    for (let i = 0; i < 4; i++) await root.tasks.update(task.id, { description: `v${i}` });
    // Two reads per change without the kept answer; one pair a second with it.
    expect(ruleReads(reads)).toBeLessThan(8);

    // A second CRM over the same store object shares what is kept, and its rule is seen at once.
    const other = createCrm({ store, clock: manualClock('2026-03-02T08:00:00Z') });
    await other.rules.create({ name: 'Every change', on: 'task.updated', recipients: [{ operator: ewa.id }], channel: 'inapp' });
    await root.tasks.update(task.id, { description: 'after the rule' });
    expect(await ruleJobs(store)).toBe(1);
    const rule = (await root.rules.list())[0]!;
    await root.rules.update(rule.id, { active: false });
    await root.as(anna.id).notifications.watch({ type: 'task', id: task.id }, { when: 'changes' });
    await root.tasks.update(task.id, { description: 'watched' });
    expect([await ruleJobs(store), await watchJobs(store)]).toEqual([1, 1]);
  });

  it('a rule made through another CRM on the same database fires once the kept answer is a second old', async () => {
    const kind = currentKind().name;
    if (kind === 'memory') return; // one process's memory store is one object: the test above covers it
    const dir = await mkdtemp(join(tmpdir(), 'rapport-presence-'));
    const schemaName = uniqueSchemaName('presence');
    const open = () => (kind === 'sqlite' ? sqliteStore({ filename: join(dir, 'crm.db') }) : postgresStore({ url: PG_URL, schemaName }));
    const [mine, theirs] = [open(), open()];
    try {
      await mine.migrate();
      const clock = manualClock('2026-03-02T08:00:00Z');
      const crm = createCrm({ store: mine, clock });
      const ewa = await crm.operators.create({ name: 'Ewa', email: 'ewa@firma.pl' });
      const task = await crm.tasks.create({ subject: 'Call back', ownerId: ewa.id });
      await crm.tasks.update(task.id, { description: 'no rules yet' });
      await createCrm({ store: theirs }).rules.create({ name: 'Every change', on: 'task.updated', recipients: [{ operator: ewa.id }], channel: 'inapp' });
      clock.advance(1_000);
      await crm.tasks.update(task.id, { description: 'a second later' });
      expect(await ruleJobs(mine)).toBe(1);
    } finally {
      await mine.close();
      await theirs.close();
      await rm(dir, { recursive: true, force: true });
      if (kind === 'postgres') await dropPgSchema(schemaName);
    }
  });
});

import { createCrm, memoryBlobStore, type Clock, type DomainEvent } from '@rapport/core';
import { testStore } from '../support/stores.js';

export { all, rejects } from '../../packages/core/test/domain/setup.js';

/** A clock the test moves by hand: `at('2026-03-09T08:00:00Z')`, `advance(ms)`. */
export function handClock(start: string): Clock & { at(iso: string): void; advance(ms: number): void } {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    at: (iso) => void (t = new Date(iso).getTime()),
    advance: (ms) => void (t += ms),
  };
}

/**
 * A CRM over a fresh store of this project's kind, its trusted host (`root`, no actor), an
 * administrator and two salespeople with the operators' views of it.
 */
export async function team(options: { start?: string } = {}) {
  const store = await testStore();
  const clock = handClock(options.start ?? '2026-03-02T08:00:00Z');
  const root = createCrm({ store, clock, blobs: memoryBlobStore() });
  const admin = await root.operators.create({ name: 'Administrator', email: 'admin@firma.pl' });
  const anna = await root.operators.create({ name: 'Anna Nowak', email: 'anna@firma.pl' });
  const bartek = await root.operators.create({ name: 'Bartek Wiśniewski', email: 'bartek@firma.pl' });
  const events: DomainEvent[] = [];
  root.events$.subscribe((e) => events.push(e));
  return { store, clock, root, admin, anna, bartek, events, crm: root.as(admin.id) };
}

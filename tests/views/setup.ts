import { createCrm, steppingClock } from '@rapport/core';
import type { StoreKind } from '../support/stores.js';

export { stores } from '../support/stores.js';

/**
 * A small office on Wednesday 4 March 2026, 09:00 UTC: two registers in their colours, two
 * partners, three operators (Ewa and Piotr in group `sales`) and tasks around this week.
 */
export async function office(kind: StoreKind) {
  const store = await kind.make();
  const base = createCrm({ store, clock: steppingClock('2026-03-04T09:00:00Z', 1000) });
  const admin = await base.operators.create({ name: 'Administrator', email: 'admin@firma.pl' });
  const ewa = await base.operators.create({ name: 'Ewa Nowak', email: 'ewa@firma.pl', groups: ['sales'] });
  const piotr = await base.operators.create({ name: 'Piotr Wiśniewski', email: 'piotr@firma.pl', groups: ['sales'] });
  const crm = base.as(admin.id);
  const sales = await crm.registers.create({ code: 'SALES', name: 'Sales tasks', color: '#2e7d32' });
  const complaints = await crm.registers.create({ code: 'REKL', name: 'Complaints', color: '#c62828' });
  const zefir = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir Sp. z o.o.', customFields: { region: 'Mazowsze' } });
  const bryza = await crm.partners.create({ code: 'BRYZA', name: 'Bryza SA', customFields: { region: 'Pomorze' } });
  const t = (input: Parameters<typeof crm.tasks.create>[0]) => crm.tasks.create(input);
  const tasks = {
    overdue: await t({
      subject: 'Call back about the offer',
      partnerId: zefir.id,
      ownerId: ewa.id,
      registerId: sales.id,
      dueAt: '2026-03-02T10:00:00Z',
      priority: 'high',
      customFields: { value: 1200 },
    }),
    today: await t({
      subject: 'Send the price list',
      partnerId: zefir.id,
      ownerId: ewa.id,
      registerId: sales.id,
      dueAt: '2026-03-04T15:00:00Z',
      customFields: { value: 300 },
    }),
    friday: await t({
      subject: 'Complaint: broken pallet',
      partnerId: bryza.id,
      ownerId: piotr.id,
      registerId: complaints.id,
      dueAt: '2026-03-06T12:00:00Z',
      priority: 'urgent',
      customFields: { value: 50 },
    }),
    nextWeek: await t({ subject: 'Quarterly review', partnerId: bryza.id, ownerId: admin.id, registerId: sales.id, dueAt: '2026-03-10T09:00:00Z' }),
    undated: await t({ subject: 'Update the partner card', partnerId: zefir.id, ownerId: admin.id, registerId: complaints.id }),
  };
  return { store, base, crm, admin, ewa, piotr, sales, complaints, zefir, bryza, tasks };
}

/** Runs `fn` and returns the RapportError code and message it threw. */
export async function failure(fn: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await fn();
  } catch (err) {
    const e = err as { code?: string; message: string };
    return { code: e.code ?? 'UNKNOWN', message: e.message };
  }
  throw new Error('expected a failure, but the call succeeded');
}

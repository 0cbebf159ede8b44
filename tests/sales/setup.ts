import { createCrm, steppingClock, type HostDocument, type SalesHooks } from '@rapport/core';
import type { StoreKind } from '../support/stores.js';

/** The stores the sales tests run on (`describe.each(stores)`): each test gets a fresh, migrated one. */
export { stores } from '../support/stores.js';

/** A CRM over a fresh store, with host hooks that record what they were asked to do. */
export async function setup(kind: StoreKind, start = '2026-03-02T09:00:00Z') {
  const calls: Array<{ hook: string; [k: string]: unknown }> = [];
  let seq = 0;
  const hostDoc = (prefix: string, net: number | null, vat: number | null, currency: string): HostDocument => {
    seq += 1;
    return { docId: `${prefix}-${seq}`, number: `${prefix}/${String(seq).padStart(3, '0')}/2026`, netAmount: net, vatAmount: vat, currency };
  };
  const hooks: SalesHooks = {
    async createOrder(req) {
      calls.push({ hook: 'createOrder', opportunityId: req.opportunity.id, offerId: req.offer?.id ?? null });
      return hostDoc('ZC', req.offer?.totals.net ?? req.opportunity.amount, req.offer?.totals.vat ?? null, req.opportunity.currency);
    },
    async convertOffer(req) {
      calls.push({ hook: 'convertOffer', target: req.target, offerId: req.offer.id });
      const prefix = { order: 'ZC', proforma: 'PF', invoice: 'FV' }[req.target];
      return hostDoc(prefix, req.offer.totals.net, req.offer.totals.vat, req.offer.currency);
    },
    async cancelDocument(doc) {
      calls.push({ hook: 'cancelDocument', docId: doc.docId, docType: doc.docType });
    },
  };
  const store = await kind.make();
  const crm = createCrm({ store, clock: steppingClock(start, 60_000), hooks });
  const admin = await crm.operators.create({ name: 'Administrator', email: 'admin@firma.pl' });
  const anna = await crm.operators.create({ name: 'Anna Kowalska', email: 'anna@firma.pl' });
  return { crm: crm.as(admin.id), base: crm, admin, anna, calls, hooks, store };
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

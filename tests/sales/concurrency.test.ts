import { describe, expect, it } from 'vitest';
import type { DomainEvent } from '@rapport/core';
import { setup, stores } from './setup.js';

describe.each(stores)('sales writes on $name', (kind) => {
  it('concurrent links never lose an update of the realized figures', async () => {
    const { crm } = await setup(kind);
    const c = await crm.campaigns.create({ code: 'RUSH', name: 'Rush', currency: 'PLN' });
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, (_, i) => crm.campaigns.linkCost(c.id, { docType: 'in', docId: `D${i}`, date: '2026-03-01', netAmount: 100 * (i + 1) })),
    );
    const linked = results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
    for (const r of results) if (r.status === 'rejected') expect((r.reason as { code: string }).code).toBe('CONFLICT');
    expect(linked.length).toBeGreaterThan(0);
    const campaign = await crm.campaigns.get(c.id);
    expect(campaign.realizedCosts).toBe(linked.reduce((s, l) => s + l.netAmount, 0));
    expect((await crm.campaigns.links(c.id)).length).toBe(linked.length);
  });

  it('publishes sales events after the commit, and none for a refused change', async () => {
    const { crm, base } = await setup(kind);
    const seen: DomainEvent[] = [];
    const sub = base.events$.subscribe((e) => seen.push(e));
    const p = await crm.partners.create({ code: 'EVT', name: 'Events' });
    const opp = await crm.opportunities.create({ partnerId: p.id, amount: 10, currency: 'EUR' });
    await crm.opportunities.moveStage(opp.id, 'offering');
    await crm.opportunities.moveStage(opp.id, 'lost').catch(() => undefined); // no reason: refused
    const offer = await crm.opportunities.generateOffer(opp.id, { lines: [{ item: 'x', quantity: 1, unitPrice: 10, vatRate: 0 }] });
    await crm.offers.send(offer.id);
    sub.unsubscribe();
    expect(seen.map((e) => e.type)).toEqual(['partner.created', 'opportunity.created', 'opportunity.stage_changed', 'offer.created', 'offer.status_changed']);
    const change = seen[2] as Extract<DomainEvent, { type: 'opportunity.stage_changed' }>;
    expect([change.change.from, change.change.to]).toEqual(['presentation', 'offering']);
  });
});

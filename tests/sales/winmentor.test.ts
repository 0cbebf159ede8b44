import { describe, expect, it } from 'vitest';
import { setup, stores } from './setup.js';

describe.each(stores)('the WinMENTOR sales sequence on $name', (kind) => {
  it('lead → campaign → opportunity through presentation, offering (offer sent, accepted), negotiation (order via host), won; realized revenue net of VAT; the history shows every step in order', async () => {
    const { crm, calls, anna } = await setup(kind);
    const campaign = await crm.campaigns.create({
      code: 'RETAIL-2026',
      name: 'Retail 2026',
      objective: '20 new retail customers',
      segment: 'Retail, 10-50 employees',
      startsAt: '2026-03-01',
      endsAt: '2026-06-30',
      currency: 'RON',
      estimatedCosts: 2_000_000,
      estimatedRevenues: 20_000_000,
      status: 'active',
    });
    const rival = await crm.partners.create({ code: 'RIVAL', name: 'Rival Soft SRL', kind: 'competitor' });
    const lead = await crm.partners.createLead({
      code: 'ALFA',
      name: 'Alfa Retail SRL',
      industry: 'Retail',
      turnover: 1_200_000_000,
      employees: 35,
      ownerId: anna.id,
      campaignId: campaign.id,
      competitorIds: [rival.id],
    });
    const opp = await crm.opportunities.create({
      partnerId: lead.id,
      campaignId: campaign.id,
      amount: 5_000_000,
      currency: 'RON',
      expectedCloseAt: '2026-05-15',
    });
    expect(opp).toMatchObject({ stage: 'presentation', ownerId: anna.id });

    await crm.opportunities.moveStage(opp.id, 'offering');
    const offer = await crm.opportunities.generateOffer(opp.id, {
      validUntil: '2026-04-30',
      lines: [
        { item: 'WinMENTOR ENTERPRISE licence', quantity: 5, unitPrice: 800_000, discount: 10, vatRate: 19 },
        { item: 'Implementation (days)', quantity: 4, unitPrice: 150_000, vatRate: 19 },
      ],
    });
    // 5 × 8000.00 × 0.9 = 36000.00; 4 × 1500.00 = 6000.00; VAT 19% of 42000.00 = 7980.00
    expect(offer.totals).toMatchObject({ net: 4_200_000, vat: 798_000, gross: 4_998_000 });
    await crm.offers.send(offer.id);
    await crm.offers.accept(offer.id);

    await crm.opportunities.moveStage(opp.id, 'negotiation');
    const order = await crm.opportunities.createOrder(opp.id);
    expect(calls).toEqual([{ hook: 'createOrder', opportunityId: opp.id, offerId: offer.id }]);
    expect(order).toMatchObject({ docType: 'order', netAmount: 4_200_000, vatAmount: 798_000 });

    await crm.campaigns.linkRevenue(campaign.id, {
      revenueKind: 'accepted',
      docType: order.docType,
      docId: order.docId,
      number: order.number,
      date: order.date,
      netAmount: order.netAmount!,
      vatAmount: order.vatAmount!,
      partnerId: lead.id,
    });
    expect(await crm.campaigns.get(campaign.id)).toMatchObject({ realizedRevenueAccepted: 4_200_000, realizedRevenueInvoiced: 0 });

    const won = await crm.opportunities.win(opp.id);
    expect(won).toMatchObject({ status: 'won', stage: 'won' });
    const customer = await crm.partners.convertLead(lead.id);
    expect(customer.kind).toBe('customer');

    const history = await crm.history.forPartner(lead.id, { limit: 100 });
    expect(history.items.map((i) => i.kind).reverse()).toEqual([
      'partner.created',
      'campaign.registered',
      'opportunity.created',
      'opportunity.stage_changed', // presentation → offering
      'offer.created',
      'offer.sent',
      'offer.accepted',
      'opportunity.stage_changed', // offering → negotiation
      'document.linked', // the customer order from the host
      'campaign.revenue_linked',
      'opportunity.won',
      'partner.kind_changed', // lead → customer
    ]);
    const titles = history.items.map((i) => i.title).reverse();
    expect(titles[3]).toBe('Alfa Retail SRL: presentation → offering');
    expect(titles[8]).toBe(`order ${order.number}`);
    expect(titles[11]).toBe('lead → customer');
    expect((await crm.opportunities.stageHistory(opp.id)).map((c) => c.to)).toEqual(['presentation', 'offering', 'negotiation', 'won']);
  });
});

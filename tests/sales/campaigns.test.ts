import { describe, expect, it } from 'vitest';
import { failure, setup, stores } from './setup.js';

describe.each(stores)('campaigns on $name', (kind) => {
  it('builds a tree of any depth and lists children and the whole subtree', async () => {
    const { crm } = await setup(kind);
    const root = await crm.campaigns.create({ code: 'q2', name: 'Q2 2026', currency: 'PLN' });
    const mail = await crm.campaigns.create({ code: 'q2-mail', name: 'Mailing', parentId: root.id, currency: 'PLN' });
    const wave1 = await crm.campaigns.create({ code: 'q2-mail-1', name: 'Wave 1', parentId: mail.id, currency: 'PLN' });
    const deep = await crm.campaigns.create({ code: 'q2-mail-1-a', name: 'Wave 1 A', parentId: wave1.id, currency: 'PLN' });
    const fair = await crm.campaigns.create({ code: 'q2-fair', name: 'Fair', parentId: root.id, currency: 'PLN' });
    expect(root.code).toBe('Q2');
    expect((await crm.campaigns.children(root.id)).map((c) => c.code)).toEqual(['Q2-FAIR', 'Q2-MAIL']);
    expect((await crm.campaigns.subtree(root.id)).map((c) => c.id).sort()).toEqual([root.id, mail.id, wave1.id, deep.id, fair.id].sort());
    expect((await crm.campaigns.subtree(wave1.id)).map((c) => c.code)).toEqual(['Q2-MAIL-1', 'Q2-MAIL-1-A']);
  });

  it('refuses to move a campaign under itself or its own descendant (VALIDATION), and moves it elsewhere', async () => {
    const { crm } = await setup(kind);
    const root = await crm.campaigns.create({ code: 'A', name: 'A' });
    const child = await crm.campaigns.create({ code: 'B', name: 'B', parentId: root.id });
    const grandchild = await crm.campaigns.create({ code: 'C', name: 'C', parentId: child.id });
    const err = await failure(() => crm.campaigns.move(root.id, grandchild.id));
    expect(err.code).toBe('VALIDATION');
    expect(err.message).toContain('campaign.parentId');
    expect(err.message).toContain(grandchild.id);
    expect((await failure(() => crm.campaigns.move(root.id, root.id))).code).toBe('VALIDATION');
    expect((await crm.campaigns.get(root.id)).parentId).toBeNull();
    const moved = await crm.campaigns.move(grandchild.id, root.id);
    expect(moved.parentId).toBe(root.id);
    expect((await crm.campaigns.children(root.id)).map((c) => c.code)).toEqual(['B', 'C']);
  });

  it('keeps objective, segment, dates, status and estimates; an end before the start is VALIDATION', async () => {
    const { crm } = await setup(kind);
    const c = await crm.campaigns.create({
      code: 'EXPO',
      name: 'Targi',
      objective: 'Win 10 new dealers',
      segment: 'Dealers, Mazowsze',
      startsAt: '2026-04-01',
      endsAt: '2026-04-30',
      currency: 'pln',
      estimatedCosts: 1_500_000,
      estimatedRevenues: 9_000_000,
    });
    expect(c).toMatchObject({
      objective: 'Win 10 new dealers',
      segment: 'Dealers, Mazowsze',
      status: 'planned',
      currency: 'PLN',
      estimatedCosts: 1_500_000,
      realizedCosts: 0,
    });
    expect(c.startsAt?.toISOString()).toBe('2026-04-01T00:00:00.000Z');
    const bad = await failure(() => crm.campaigns.create({ code: 'X', name: 'X', startsAt: '2026-05-02', endsAt: '2026-05-01' }));
    expect(bad).toMatchObject({ code: 'VALIDATION' });
    expect(bad.message).toContain('campaign.endsAt');
    expect((await failure(() => crm.campaigns.update(c.id, { endsAt: '2026-03-01' }))).code).toBe('VALIDATION');
    expect((await failure(() => crm.campaigns.create({ code: 'Y', name: 'Y', currency: 'ZZZ' }))).message).toContain('ISO 4217');
    expect((await failure(() => crm.campaigns.create({ code: 'Z', name: 'Z', estimatedCosts: -1 }))).message).toContain('must not be negative');
    const active = await crm.campaigns.update(c.id, { status: 'active', segment: undefined });
    expect(active.segment).toBe('Dealers, Mazowsze');
    expect((await crm.campaigns.create({ code: 'U', name: 'U', status: undefined, currency: undefined })).status).toBe('planned');
    expect(active.status).toBe('active');
    expect((await failure(() => crm.campaigns.create({ code: 'expo', name: 'again' }))).code).toBe('CONFLICT');
  });

  it('counts linked costs and revenues net of VAT, accepted (orders) apart from invoiced, and unlinking reverses it', async () => {
    const { crm } = await setup(kind);
    const partner = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const c = await crm.campaigns.create({ code: 'MAIL', name: 'Mailing', currency: 'RON' });
    await crm.campaigns.linkCost(c.id, { docType: 'consum', docId: 'BC-1', number: 'BC 1', date: '2026-03-01', netAmount: 100_000, vatAmount: 19_000 });
    await crm.campaigns.linkCost(c.id, { docType: 'treasury', docId: 'T-7', date: '2026-03-03', netAmount: 25_050, vatAmount: 0 });
    const order = await crm.campaigns.linkRevenue(c.id, {
      revenueKind: 'accepted',
      docType: 'order',
      docId: 'CC-9',
      date: '2026-03-05',
      netAmount: 500_000,
      vatAmount: 95_000,
      partnerId: partner.id,
    });
    await crm.campaigns.linkRevenue(c.id, {
      revenueKind: 'invoiced',
      docType: 'invoice',
      docId: 'F-9',
      date: '2026-03-09',
      netAmount: 300_000,
      vatAmount: 57_000,
      partnerId: partner.id,
    });
    let now = await crm.campaigns.get(c.id);
    expect(now).toMatchObject({ realizedCosts: 125_050, realizedRevenueAccepted: 500_000, realizedRevenueInvoiced: 300_000 });
    expect(await crm.campaigns.realized(c.id)).toMatchObject({
      byCurrency: [{ currency: 'RON', costs: 125_050, revenueAccepted: 500_000, revenueInvoiced: 300_000, vat: 171_000 }],
    });
    const dup = await failure(() =>
      crm.campaigns.linkRevenue(c.id, { revenueKind: 'accepted', docType: 'order', docId: 'CC-9', date: '2026-03-05', netAmount: 1 }),
    );
    expect(dup.code).toBe('CONFLICT');
    const otherCurrency = await failure(() =>
      crm.campaigns.linkCost(c.id, { docType: 'consum', docId: 'BC-2', date: '2026-03-01', netAmount: 1, currency: 'EUR' }),
    );
    expect(otherCurrency).toMatchObject({ code: 'VALIDATION' });
    expect(otherCurrency.message).toContain('RON');
    expect((await failure(() => crm.campaigns.linkCost(c.id, { docType: 'consum', docId: 'BC-3', date: '2026-03-01', netAmount: -5 }))).code).toBe(
      'VALIDATION',
    );
    await crm.campaigns.unlink(order.id);
    now = await crm.campaigns.get(c.id);
    expect(now).toMatchObject({ realizedCosts: 125_050, realizedRevenueAccepted: 0, realizedRevenueInvoiced: 300_000 });
    expect((await crm.campaigns.links(c.id)).map((l) => l.docId)).toEqual(['BC-1', 'T-7', 'F-9']);
    const history = await crm.history.forPartner(partner.id);
    expect(history.items.map((i) => i.kind).slice(0, 3)).toEqual(['campaign.revenue_unlinked', 'campaign.revenue_linked', 'campaign.revenue_linked']);
  });

  it('sums realized figures over a subtree in the store, per currency', async () => {
    const { crm } = await setup(kind);
    const root = await crm.campaigns.create({ code: 'ROOT', name: 'Root', currency: 'PLN' });
    const child = await crm.campaigns.create({ code: 'CHILD', name: 'Child', parentId: root.id, currency: 'PLN' });
    const eur = await crm.campaigns.create({ code: 'EU', name: 'EU', parentId: child.id, currency: 'EUR' });
    await crm.campaigns.linkCost(root.id, { docType: 'in', docId: '1', date: '2026-03-01', netAmount: 1000, vatAmount: 230 });
    await crm.campaigns.linkCost(child.id, { docType: 'in', docId: '2', date: '2026-03-01', netAmount: 500, vatAmount: 115 });
    await crm.campaigns.linkCost(eur.id, { docType: 'in', docId: '3', date: '2026-03-01', netAmount: 70, vatAmount: 0 });
    const sub = await crm.campaigns.realized(root.id, { subtree: true });
    expect(sub.byCurrency).toEqual([
      { currency: 'EUR', costs: 70, revenueAccepted: 0, revenueInvoiced: 0, vat: 0 },
      { currency: 'PLN', costs: 1500, revenueAccepted: 0, revenueInvoiced: 0, vat: 345 },
    ]);
    expect((await crm.campaigns.realized(child.id)).byCurrency).toEqual([{ currency: 'PLN', costs: 500, revenueAccepted: 0, revenueInvoiced: 0, vat: 115 }]);
  });

  it('registers partners at levels, holds, resumes and advances them, and reports progress per level and state', async () => {
    const { crm } = await setup(kind);
    const root = await crm.campaigns.create({ code: 'ENOVA', name: 'enova 2026', levels: ['contacted', 'presented', 'offered'] });
    const sub = await crm.campaigns.create({ code: 'ENOVA-WAW', name: 'Warszawa', parentId: root.id, levels: ['contacted', 'presented', 'offered'] });
    const p = await Promise.all(['A', 'B', 'C', 'D', 'E'].map((code) => crm.partners.create({ code, name: `Prospect ${code}`, kind: 'prospect' })));
    const [a, b, c, d, e] = p.map((x) => x.id) as [string, string, string, string, string];
    await crm.campaigns.register(root.id, a);
    await crm.campaigns.register(root.id, b);
    await crm.campaigns.register(root.id, c, { level: 'presented' });
    await crm.campaigns.register(sub.id, d);
    await crm.campaigns.register(sub.id, e);
    expect((await failure(() => crm.campaigns.register(root.id, a))).code).toBe('CONFLICT');
    expect((await failure(() => crm.campaigns.register(root.id, d, { level: 'signed' }))).message).toContain('contacted, presented, offered');

    expect(await crm.campaigns.advance(root.id, a)).toMatchObject({ level: 'presented', state: 'active' });
    expect(await crm.campaigns.hold(root.id, b)).toMatchObject({ level: 'contacted', state: 'held' });
    expect((await failure(() => crm.campaigns.advance(root.id, b))).code).toBe('VALIDATION');
    expect((await failure(() => crm.campaigns.hold(root.id, b))).code).toBe('VALIDATION');
    await crm.campaigns.advance(root.id, c);
    expect(await crm.campaigns.advance(root.id, c)).toMatchObject({ level: 'offered', state: 'done' });
    expect((await failure(() => crm.campaigns.resume(root.id, c))).code).toBe('VALIDATION');
    await crm.campaigns.hold(sub.id, e);
    expect(await crm.campaigns.resume(sub.id, e)).toMatchObject({ state: 'active' });
    await crm.campaigns.hold(sub.id, d);

    const own = await crm.campaigns.progress(root.id);
    expect(own.total).toBe(3);
    expect(own.levels).toEqual([
      { level: 'contacted', total: 1, active: 0, held: 1, done: 0 },
      { level: 'presented', total: 1, active: 1, held: 0, done: 0 },
      { level: 'offered', total: 1, active: 0, held: 0, done: 1 },
    ]);
    const all = await crm.campaigns.progress(root.id, { subtree: true });
    expect(all.total).toBe(5);
    expect(all.levels[0]).toEqual({ level: 'contacted', total: 3, active: 1, held: 2, done: 0 });
    const oneLevel = await crm.campaigns.progress(root.id, { subtree: true, level: 'contacted' });
    expect(oneLevel.levels).toEqual([{ level: 'contacted', total: 3, active: 1, held: 2, done: 0 }]);
    expect(oneLevel.total).toBe(3);
    expect((await crm.campaigns.members(root.id, { state: 'held' })).items.map((m) => m.partnerId)).toEqual([b]);
    const history = await crm.history.forPartner(b);
    expect(history.items.map((i) => i.kind).slice(0, 2)).toEqual(['campaign.held', 'campaign.registered']);
  });

  it('writes the bound custom-field value to the partner when it reaches a level', async () => {
    const { crm } = await setup(kind);
    const c = await crm.campaigns.create({
      code: 'CECHA',
      name: 'Kampania stała',
      levels: [
        { key: 'l1', name: 'Poziom 1', customField: { field: 'kampania', value: 'poziom-1' } },
        { key: 'l2', name: 'Poziom 2', customField: { field: 'kampania', value: 'poziom-2' } },
      ],
    });
    const partner = await crm.partners.create({ code: 'P1', name: 'P1', kind: 'prospect', customFields: { region: 'PL' } });
    await crm.campaigns.register(c.id, partner.id);
    expect((await crm.partners.get(partner.id)).customFields).toEqual({ region: 'PL', kampania: 'poziom-1' });
    await crm.campaigns.advance(c.id, partner.id);
    expect((await crm.partners.get(partner.id)).customFields).toEqual({ region: 'PL', kampania: 'poziom-2' });
    const bad = await failure(() => crm.campaigns.create({ code: 'BAD', name: 'bad', levels: [{ key: 'x', customField: { field: 'not valid', value: 1 } }] }));
    expect(bad.code).toBe('VALIDATION');
  });

  it('creates a lead with campaign and competitors, and converting it to a customer keeps its history', async () => {
    const { crm } = await setup(kind);
    const c = await crm.campaigns.create({ code: 'LEADS', name: 'Lead generation' });
    const rival = await crm.partners.create({ code: 'RIVAL', name: 'Rival SRL', kind: 'competitor' });
    const customer = await crm.partners.create({ code: 'CUST', name: 'Customer' });
    const bad = await failure(() => crm.partners.createLead({ code: 'L0', name: 'Bad lead', competitorIds: [customer.id] }));
    expect(bad).toMatchObject({ code: 'VALIDATION' });
    expect(bad.message).toContain('competitor');
    expect(await crm.partners.findByCode('L0')).toBeNull();

    const lead = await crm.partners.createLead({
      code: 'ALFA',
      name: 'Alfa Trading SRL',
      industry: 'Retail',
      turnover: 250_000_000,
      employees: 40,
      campaignId: c.id,
      competitorIds: [rival.id],
    });
    expect(lead).toMatchObject({ kind: 'lead', industry: 'Retail', turnover: 250_000_000, employees: 40 });
    expect((await crm.partners.competitors(lead.id)).map((p) => p.code)).toEqual(['RIVAL']);
    expect((await crm.campaigns.memberships(lead.id)).map((m) => m.campaignId)).toEqual([c.id]);
    const opp = await crm.opportunities.create({ partnerId: lead.id, amount: 10_000, currency: 'RON', campaignId: c.id });

    const converted = await crm.partners.convertLead(lead.id);
    expect(converted.id).toBe(lead.id);
    expect(converted.kind).toBe('customer');
    expect((await failure(() => crm.partners.convertLead(lead.id))).code).toBe('VALIDATION');
    const kinds = (await crm.history.forPartner(lead.id)).items.map((i) => i.kind);
    expect(kinds).toEqual(['partner.kind_changed', 'opportunity.created', 'campaign.registered', 'partner.created']);
    expect((await crm.opportunities.list({ partnerId: lead.id })).items.map((o) => o.id)).toEqual([opp.id]);
    expect((await crm.partners.competitors(lead.id)).map((p) => p.code)).toEqual(['RIVAL']);
    await crm.partners.setCompetitors(lead.id, []);
    expect(await crm.partners.competitors(lead.id)).toEqual([]);
  });
});

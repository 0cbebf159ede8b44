import { describe, expect, it } from 'vitest';
import { createCrm, DEFAULT_PIPELINE_STAGES, type Crm, type PipelineStageInput, type SalesHooks } from '@rapport/core';
import { failure, setup, stores } from './setup.js';

describe.each(stores)('opportunities on $name', (kind) => {
  it('opens on the default pipeline presentation(10) → offering(30) → negotiation(60) → won(100) | lost(0)', async () => {
    const { crm, admin } = await setup(kind);
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const opp = await crm.opportunities.create({ partnerId: p.id, amount: 1_250_000, currency: 'pln', expectedCloseAt: '2026-05-31' });
    expect(opp).toMatchObject({
      name: 'Zefir',
      stage: 'presentation',
      status: 'open',
      currency: 'PLN',
      amount: 1_250_000,
      ownerId: admin.id,
      createdBy: admin.id,
    });
    const pipeline = await crm.opportunities.pipeline(opp.pipelineId);
    expect(pipeline.code).toBe('DEFAULT');
    expect(pipeline.stages.map((s) => [s.key, s.probability, s.outcome])).toEqual([
      ['presentation', 10, 'open'],
      ['offering', 30, 'open'],
      ['negotiation', 60, 'open'],
      ['won', 100, 'won'],
      ['lost', 0, 'lost'],
    ]);
    expect(DEFAULT_PIPELINE_STAGES).toHaveLength(5);
    expect(await crm.opportunities.stageHistory(opp.id)).toMatchObject([{ from: null, to: 'presentation', actorId: admin.id }]);
  });

  it('refuses negative or fractional amounts, unknown currencies, stages outside the pipeline and foreign contacts', async () => {
    const { crm } = await setup(kind);
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const other = await crm.partners.create({ code: 'OTHER', name: 'Other' });
    const jan = await crm.persons.create({ partnerId: other.id, firstName: 'Jan', lastName: 'Nowak' });
    const base = { partnerId: p.id, amount: 100, currency: 'EUR' };
    expect(await failure(() => crm.opportunities.create({ ...base, amount: -1 }))).toEqual({
      code: 'VALIDATION',
      message: 'opportunity.amount must not be negative (got -1)',
    });
    expect((await failure(() => crm.opportunities.create({ ...base, amount: 10.5 }))).message).toContain(
      'opportunity.amount must be a whole number of minor units',
    );
    expect((await failure(() => crm.opportunities.create({ ...base, currency: 'EURO' }))).message).toBe(
      'opportunity.currency must be an ISO 4217 currency code such as EUR or PLN (got "EURO")',
    );
    expect((await failure(() => crm.opportunities.create({ ...base, currency: 'ABC' }))).code).toBe('VALIDATION');
    expect((await failure(() => crm.opportunities.create({ ...base, stage: 'closing' }))).message).toContain(
      'opportunity.stage is not a stage of pipeline DEFAULT',
    );
    expect((await failure(() => crm.opportunities.create({ ...base, personId: jan.id }))).message).toContain('contact of another partner');
    expect(await failure(() => crm.opportunities.create({ ...base, partnerId: 'nope' }))).toEqual({
      code: 'NOT_FOUND',
      message: 'opportunity.partnerId: partner "nope" does not exist',
    });
    const opp = await crm.opportunities.create(base);
    expect((await failure(() => crm.opportunities.moveStage(opp.id, 'signed'))).code).toBe('VALIDATION');
    // An undefined field is one not given: the amount stays.
    expect((await crm.opportunities.update(opp.id, { amount: undefined, name: 'Renamed' })).amount).toBe(100);
    expect((await failure(() => crm.opportunities.update(opp.id, { amount: -5 }))).code).toBe('VALIDATION');
    expect((await crm.opportunities.get(opp.id)).version).toBe(2);
  });

  it('records every stage change with who, when, from, to and the reason it was lost', async () => {
    const { crm, base, admin, anna } = await setup(kind);
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const opp = await crm.opportunities.create({ partnerId: p.id, amount: 500, currency: 'EUR' });
    await crm.opportunities.moveStage(opp.id, 'offering');
    await base.as(anna.id).opportunities.moveStage(opp.id, 'negotiation');
    expect(await failure(() => crm.opportunities.moveStage(opp.id, 'lost'))).toMatchObject({ code: 'VALIDATION' });
    const lost = await crm.opportunities.lose(opp.id, 'price too high');
    expect(lost).toMatchObject({ status: 'lost', stage: 'lost', lostReason: 'price too high' });
    expect(lost.closedAt).toBeInstanceOf(Date);
    const reopened = await crm.opportunities.moveStage(opp.id, 'negotiation', { reason: 'budget approved' });
    expect(reopened).toMatchObject({ status: 'open', closedAt: null, lostReason: null });
    const history = await crm.opportunities.stageHistory(opp.id);
    expect(history.map((h) => [h.from, h.to, h.reason, h.actorId])).toEqual([
      [null, 'presentation', null, admin.id],
      ['presentation', 'offering', null, admin.id],
      ['offering', 'negotiation', null, anna.id],
      ['negotiation', 'lost', 'price too high', admin.id],
      ['lost', 'negotiation', 'budget approved', admin.id],
    ]);
    expect(history.every((h, i) => i === 0 || h.at.getTime() > history[i - 1]!.at.getTime())).toBe(true);
    const stale = await failure(() => crm.opportunities.moveStage(opp.id, 'won', { expectedVersion: 1 }));
    expect(stale.code).toBe('CONFLICT');
  });

  it('uses a campaign pipeline (also for sub-campaigns), a register pipeline, else the default', async () => {
    const { crm } = await setup(kind);
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const root = await crm.campaigns.create({ code: 'FAIR', name: 'Fair' });
    const child = await crm.campaigns.create({ code: 'FAIR-1', name: 'Day 1', parentId: root.id });
    const register = await crm.registers.create({ code: 'SRV', name: 'Service' });
    const stages = [
      { key: 'lead', probability: 5 },
      { key: 'demo', probability: 40, allows: ['offer' as const, 'order' as const] },
      { key: 'signed', probability: 100, outcome: 'won' as const },
      { key: 'dropped', probability: 0, outcome: 'lost' as const },
    ];
    const fair = await crm.opportunities.definePipeline({ code: 'fair', name: 'Fair', campaignId: root.id, stages });
    const service = await crm.opportunities.definePipeline({ code: 'service', name: 'Service', registerId: register.id, stages: stages.slice().reverse() });
    const a = await crm.opportunities.create({ partnerId: p.id, amount: 1, currency: 'EUR', campaignId: child.id });
    expect(a).toMatchObject({ pipelineId: fair.id, stage: 'lead' });
    expect((await failure(() => crm.opportunities.moveStage(a.id, 'negotiation'))).message).toContain(
      'is not a stage of pipeline FAIR (lead, demo, signed, dropped)',
    );
    const b = await crm.opportunities.create({ partnerId: p.id, amount: 1, currency: 'EUR', registerId: register.id });
    expect(b).toMatchObject({ pipelineId: service.id, stage: 'demo' });
    const c = await crm.opportunities.create({ partnerId: p.id, amount: 1, currency: 'EUR' });
    expect((await crm.opportunities.pipeline(c.pipelineId)).code).toBe('DEFAULT');
    expect(
      (
        await failure(() =>
          crm.opportunities.definePipeline({
            code: 'x',
            name: 'x',
            stages: [
              { key: 'a', probability: 10 },
              { key: 'b', probability: 100, outcome: 'won' },
            ],
          }),
        )
      ).message,
    ).toContain('outcome lost');
    expect(
      (await failure(() => crm.opportunities.definePipeline({ code: 'y', name: 'y', stages: [{ key: 'a', probability: 101 }, ...stages.slice(2)] }))).message,
    ).toContain('between 0 and 100');
    expect((await failure(() => crm.opportunities.definePipeline({ code: 'z', name: 'z', campaignId: root.id, stages }))).code).toBe('CONFLICT');
  });

  it('generates an offer only at offering and an order (host hook) only at negotiation; both can be cancelled', async () => {
    const { crm, calls } = await setup(kind);
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const opp = await crm.opportunities.create({ partnerId: p.id, amount: 200_000, currency: 'EUR' });
    const lines = [{ item: 'Licence', quantity: 1, unitPrice: 200_000, vatRate: 19 }];
    expect((await failure(() => crm.opportunities.generateOffer(opp.id, { lines }))).message).toContain('must be offering to generate an offer');
    expect((await failure(() => crm.opportunities.createOrder(opp.id))).message).toContain('must be negotiation to generate an order');
    await crm.opportunities.moveStage(opp.id, 'offering');
    const offer = await crm.opportunities.generateOffer(opp.id, { lines });
    expect(offer).toMatchObject({ opportunityId: opp.id, partnerId: p.id, currency: 'EUR', status: 'draft' });
    expect((await crm.offers.cancel(offer.id, { reason: 'wrong price' })).status).toBe('cancelled');
    const second = await crm.opportunities.generateOffer(opp.id, { lines: [{ ...lines[0]!, unitPrice: 180_000 }] });
    await crm.offers.send(second.id);
    await crm.offers.accept(second.id);
    await crm.opportunities.moveStage(opp.id, 'negotiation');
    const order = await crm.opportunities.createOrder(opp.id);
    expect(calls[0]).toEqual({ hook: 'createOrder', opportunityId: opp.id, offerId: second.id });
    expect(order).toMatchObject({
      docType: 'order',
      opportunityId: opp.id,
      offerId: second.id,
      netAmount: 180_000,
      vatAmount: 34_200,
      currency: 'EUR',
      status: 'active',
    });
    const cancelled = await crm.opportunities.cancelOrder(order.id, { reason: 'customer withdrew' });
    expect(cancelled.status).toBe('cancelled');
    expect(calls[1]).toEqual({ hook: 'cancelDocument', docId: order.docId, docType: 'order' });
    expect((await crm.offers.documents({ opportunityId: opp.id })).map((d) => [d.docType, d.status])).toEqual([['order', 'cancelled']]);
  });

  it('cancels the host order again when the opportunity changed while it was being created', async () => {
    const { store } = await setup(kind);
    const cancelled: string[] = [];
    const hooks: SalesHooks = {
      async createOrder(req) {
        await crm.opportunities.update(req.opportunity.id, { amount: 1 });
        return { docId: 'ZC-77', number: 'ZC 77' };
      },
      async cancelDocument(doc) {
        cancelled.push(doc.docId);
      },
    };
    const crm: Crm = createCrm({ store, hooks });
    const p = await crm.partners.create({ code: 'RACE', name: 'Race' });
    const opp = await crm.opportunities.create({ partnerId: p.id, amount: 100, currency: 'EUR', stage: 'negotiation' });
    expect((await failure(() => crm.opportunities.createOrder(opp.id))).code).toBe('CONFLICT');
    expect(cancelled).toEqual(['ZC-77']);
    expect(await crm.offers.documents({ opportunityId: opp.id })).toEqual([]);
    expect((await failure(() => createCrm({ store }).opportunities.createOrder(opp.id))).message).toContain('hooks.createOrder');
  });
});

describe.each(stores)('editing a pipeline on $name', (kind) => {
  it('renames, reorders, re-weighs and adds stages; forecasts follow; stages in use keep their key and outcome', async () => {
    const { crm } = await setup(kind);
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const sales = await crm.opportunities.definePipeline({
      code: 'B2B',
      name: 'B2B',
      stages: [
        { key: 'lead', probability: 5 },
        { key: 'demo', probability: 20 },
        { key: 'won', probability: 100, outcome: 'won' },
        { key: 'lost', probability: 0, outcome: 'lost' },
      ],
    });
    await crm.opportunities.create({ partnerId: p.id, pipelineId: sales.id, stage: 'demo', amount: 10_000, currency: 'EUR', expectedCloseAt: '2026-04-10' });
    const stages = (over: Record<string, Partial<PipelineStageInput>> = {}, extra: PipelineStageInput[] = []): PipelineStageInput[] => [
      ...sales.stages.filter((s) => s.key !== 'lead').map((s) => ({ ...s, ...over[s.key] })),
      ...extra,
    ];

    // A stage nobody is at can go; new stages and new probabilities apply at once.
    const edited = await crm.opportunities.updatePipeline(
      sales.id,
      { name: 'B2B sales', stages: stages({ demo: { name: 'Product demo', probability: 40 } }, [{ key: 'trial', probability: 70 }]) },
      1,
    );
    expect(edited).toMatchObject({ name: 'B2B sales', version: 2 });
    expect(edited.stages.map((s) => [s.key, s.name, s.probability, s.outcome])).toEqual([
      ['demo', 'Product demo', 40, 'open'],
      ['won', 'won', 100, 'won'],
      ['lost', 'lost', 0, 'lost'],
      ['trial', 'trial', 70, 'open'],
    ]);
    const f = await crm.opportunities.forecast({ from: '2026-04-01', to: '2026-05-01', groupBy: 'stage' });
    expect(f.rows.map((r) => [r.key, r.weightedAmount])).toEqual([['demo', 4_000]]);

    // The stage an opportunity is at can neither go nor change its outcome.
    const gone = await failure(() => crm.opportunities.updatePipeline(sales.id, { stages: edited.stages.filter((s) => s.key !== 'demo') }));
    expect(gone).toEqual({ code: 'CONFLICT', message: 'pipeline B2B: cannot remove stage demo: 1 opportunity is at it; move them to another stage first' });
    const flipped = await failure(() =>
      crm.opportunities.updatePipeline(sales.id, { stages: edited.stages.map((s) => (s.key === 'demo' ? { ...s, outcome: 'won' as const } : s)) }),
    );
    expect(flipped.message).toBe(
      'pipeline B2B: cannot change the outcome of stage demo from open to won: 1 opportunity is at it; move them to another stage first',
    );
    // Still a valid pipeline, and optimistic versions hold.
    expect(
      (
        await failure(() =>
          crm.opportunities.updatePipeline(sales.id, {
            stages: [
              { key: 'demo', probability: 40 },
              { key: 'won', probability: 100, outcome: 'won' },
            ],
          }),
        )
      ).code,
    ).toBe('VALIDATION');
    expect((await failure(() => crm.opportunities.updatePipeline(sales.id, { name: 'x' }, 1))).code).toBe('CONFLICT');
    expect((await failure(() => crm.opportunities.updatePipeline('nope', { name: 'x' }))).code).toBe('NOT_FOUND');
    expect((await crm.opportunities.pipeline(sales.id)).version).toBe(2);
  });
});

describe.each(stores)('forecast on $name', (kind) => {
  async function seed() {
    const ctx = await setup(kind);
    const { crm, admin, anna } = ctx;
    const p = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const k = await crm.campaigns.create({ code: 'K', name: 'K' });
    const mk = (ownerId: string, currency: string, amount: number, stage: string, expectedCloseAt: string | null, campaignId: string | null = null) =>
      crm.opportunities.create({ partnerId: p.id, ownerId, currency, amount, stage, expectedCloseAt, campaignId });
    await mk(anna.id, 'EUR', 10_000, 'presentation', '2026-04-10', k.id); //   10% → 1000
    await mk(anna.id, 'EUR', 3_333, 'offering', '2026-04-20'); //               30% → 999.9 → 1000
    await mk(anna.id, 'PLN', 50_000, 'negotiation', '2026-05-05', k.id); //   60% → 30000
    await mk(admin.id, 'EUR', 20_001, 'negotiation', '2026-05-31T23:00:00Z'); // 60% → 12000.6 → 12001
    await mk(admin.id, 'PLN', 7_005, 'presentation', '2026-04-01'); //         10% → 700.5 → 701
    await mk(anna.id, 'PLN', 1_005, 'offering', '2026-05-15'); //               30% → 301.5 → 302
    const won = await mk(admin.id, 'PLN', 1_000_000, 'negotiation', '2026-04-15'); // won: not open
    await crm.opportunities.win(won.id);
    const lost = await mk(anna.id, 'EUR', 5_000, 'offering', '2026-04-15'); //      lost: not open
    await crm.opportunities.lose(lost.id, 'no budget');
    await mk(anna.id, 'EUR', 9_999, 'presentation', '2026-06-01'); //          `to` is exclusive
    await mk(admin.id, 'EUR', 4_000, 'offering', null); //                      no expected close
    await mk(admin.id, 'PLN', 2_001, 'offering', '2026-03-31T23:59:59.999Z'); // before `from`
    return { ...ctx, k };
  }
  const range = { from: '2026-04-01', to: '2026-06-01' };

  it('sums open and probability-weighted amounts per owner and currency, never mixing EUR and PLN', async () => {
    const { crm, admin, anna } = await seed();
    const f = await crm.opportunities.forecast({ ...range, groupBy: 'owner' });
    expect(f.rows).toEqual([
      { key: admin.id, currency: 'EUR', count: 1, openAmount: 20_001, weightedAmount: 12_001 },
      { key: admin.id, currency: 'PLN', count: 1, openAmount: 7_005, weightedAmount: 701 },
      { key: anna.id, currency: 'EUR', count: 2, openAmount: 13_333, weightedAmount: 2_000 },
      { key: anna.id, currency: 'PLN', count: 2, openAmount: 51_005, weightedAmount: 30_302 },
    ]);
    expect(f.totals).toEqual([
      { currency: 'EUR', count: 3, openAmount: 33_334, weightedAmount: 14_001 },
      { currency: 'PLN', count: 3, openAmount: 58_010, weightedAmount: 31_003 },
    ]);
  });

  it('groups by stage, by month of the expected close and by campaign', async () => {
    const { crm, k } = await seed();
    const byStage = await crm.opportunities.forecast({ ...range, groupBy: 'stage' });
    expect(byStage.rows.map((r) => [r.key, r.currency, r.openAmount, r.weightedAmount])).toEqual([
      ['negotiation', 'EUR', 20_001, 12_001],
      ['negotiation', 'PLN', 50_000, 30_000],
      ['offering', 'EUR', 3_333, 1_000],
      ['offering', 'PLN', 1_005, 302],
      ['presentation', 'EUR', 10_000, 1_000],
      ['presentation', 'PLN', 7_005, 701],
    ]);
    const byMonth = await crm.opportunities.forecast({ ...range, groupBy: 'month' });
    expect(byMonth.rows.map((r) => [r.key, r.currency, r.count, r.openAmount, r.weightedAmount])).toEqual([
      ['2026-04', 'EUR', 2, 13_333, 2_000],
      ['2026-04', 'PLN', 1, 7_005, 701],
      ['2026-05', 'EUR', 1, 20_001, 12_001],
      ['2026-05', 'PLN', 2, 51_005, 30_302],
    ]);
    const byCampaign = await crm.opportunities.forecast({ ...range, groupBy: 'campaign' });
    expect(byCampaign.rows.map((r) => [r.key, r.currency, r.openAmount, r.weightedAmount])).toEqual([
      [k.id, 'EUR', 10_000, 1_000],
      [k.id, 'PLN', 50_000, 30_000],
      [null, 'EUR', 23_334, 13_001],
      [null, 'PLN', 8_010, 1_003],
    ]);
    const all = await crm.opportunities.forecast({ groupBy: 'month' });
    expect(all.rows.find((r) => r.key === null)).toEqual({ key: null, currency: 'EUR', count: 1, openAmount: 4_000, weightedAmount: 1_200 });
    expect((await failure(() => crm.opportunities.forecast({ groupBy: 'region' as 'month' }))).message).toContain(
      'forecast.groupBy must be one of owner, stage, campaign, month',
    );
    expect((await failure(() => crm.opportunities.forecast({ groupBy: 'month', from: '2026-05-01', to: '2026-04-01' }))).code).toBe('VALIDATION');
  });
});

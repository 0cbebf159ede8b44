import { describe, expect, it } from 'vitest';
import { createCrm, memoryStore, type Email } from '@rapport/core';
import { findAll, MAX_LIMIT, readAll, type StoredRecord } from '@rapport/core/store';
import { conformanceSchema } from '@rapport/core/testing';

// One more record than the largest page: a read that asked for `limit: 10_000` and took the
// first page as "all" stops one short here.
const N = MAX_LIMIT + 1;

describe('findAll', () => {
  it(`reads all ${N} records page by page, each once, in the query's order`, async () => {
    const store = memoryStore({ schema: conformanceSchema });
    const rows = Array.from({ length: N }, (_, i) => ({
      id: `it-${String(i).padStart(6, '0')}`,
      version: 1,
      code: `C${i}`,
      name: null,
      body: null,
      qty: i % 7,
      price: null,
      active: null,
      at: null,
      customFields: {},
      tags: null,
    }));
    await store.createMany('conf_items', rows);
    const seen: string[] = [];
    for await (const r of findAll<StoredRecord & { qty: number }>(store, 'conf_items', { sort: [{ field: 'qty' }] })) seen.push(r.id);
    expect(seen).toHaveLength(N);
    expect(new Set(seen).size).toBe(N);
    expect((await readAll(store, 'conf_items')).length).toBe(N);
  });
});

describe('reads that mean "all"', () => {
  it(`a task's stages and e-mails come back whole beyond ${MAX_LIMIT}`, async () => {
    const crm = createCrm({ store: memoryStore() });
    const op = await crm.operators.create({ name: 'Anna', email: 'anna@example.com' });
    const me = crm.as(op.id);
    const task = await me.tasks.create({ subject: 'Many stages', stages: [{ subject: 'first' }] });
    const [stage] = await me.tasks.stages(task.id);
    await crm.store.createMany(
      'stages',
      Array.from({ length: N - 1 }, (_, i) => ({ ...stage!, id: `${stage!.id}-${i}`, position: i + 2, subject: `stage ${i + 2}` })),
    );
    expect(await crm.tasks.stages(task.id)).toHaveLength(N);

    const partner = await me.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.example'] });
    await me.persons.create({ partnerId: partner.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['jan@zefir.example'] });
    const { email } = await me.emails.ingest({
      messageId: '<one@zefir.example>',
      from: { name: null, address: 'jan@zefir.example' },
      to: [{ name: null, address: 'anna@example.com' }],
      subject: 'Hello',
      text: 'x',
    });
    const copies: Email[] = Array.from({ length: N - 1 }, (_, i) => ({
      ...email!,
      id: `${email!.id}-${i}`,
      messageKey: `copy-${i}@zefir.example`,
      messageId: `copy-${i}@zefir.example`,
    }));
    await crm.store.createMany('emails', copies);
    expect(await crm.emails.forTask(email!.taskId!)).toHaveLength(N);
    await crm.close();
  });
  it(`an opportunity's stage history, the pipelines and the forecast see all beyond ${MAX_LIMIT}`, async () => {
    const crm = createCrm({ store: memoryStore() });
    const op = await crm.operators.create({ name: 'Anna', email: 'anna@example.com' });
    const me = crm.as(op.id);
    const partner = await me.partners.create({ code: 'ZEFIR', name: 'Zefir' });
    const opp = await me.opportunities.create({ partnerId: partner.id, amount: 1000, currency: 'EUR', expectedCloseAt: '2026-05-31' });
    const [first] = await crm.opportunities.stageHistory(opp.id);
    await crm.store.createMany(
      'opportunity_stage_changes',
      Array.from({ length: N - 1 }, (_, i) => ({ ...first!, id: `${first!.id}-${i}`, at: new Date(first!.at.getTime() + i + 1) })),
    );
    expect(await crm.opportunities.stageHistory(opp.id)).toHaveLength(N);

    // The opportunity's pipeline sorts last by code, so a first page of 10,000 would miss it.
    const pipeline = await crm.opportunities.pipeline(opp.pipelineId);
    await crm.store.createMany(
      'pipelines',
      Array.from({ length: N - 1 }, (_, i) => ({ ...pipeline, id: `${pipeline.id}-${i}`, code: `A${String(i).padStart(6, '0')}` })),
    );
    const pipelines = await crm.opportunities.pipelines();
    expect(pipelines).toHaveLength(N);
    expect(pipelines.at(-1)!.id).toBe(pipeline.id);
    const forecast = await crm.opportunities.forecast({ groupBy: 'stage' });
    expect(forecast.rows).toEqual([{ key: 'presentation', currency: 'EUR', count: 1, openAmount: 1000, weightedAmount: 100 }]);
    await crm.close();
  });

  it(`byIds takes more than ${MAX_LIMIT} ids`, async () => {
    const crm = createCrm({ store: memoryStore() });
    const op = await crm.operators.create({ name: 'Anna', email: 'anna@example.com' });
    const task = await crm.as(op.id).tasks.create({ subject: 'Wanted' });
    const ids = [...Array.from({ length: N }, (_, i) => `missing-${i}`), task.id, task.id];
    expect((await crm.tasks.byIds(ids)).map((t) => t.id)).toEqual([task.id]);
    await crm.close();
  });
});

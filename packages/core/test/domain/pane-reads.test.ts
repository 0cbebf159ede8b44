import { describe, expect, it } from 'vitest';
import { createCrm, memoryBlobStore, memoryStore, steppingClock, type TimelineItem } from '@rapport/core';

// What a pane beside a message shows, asked of core rather than read from the store by collection name.
describe('reads for a partner card', () => {
  const setup = async () => {
    const store = memoryStore();
    const crm = createCrm({ store, blobs: memoryBlobStore(), clock: steppingClock('2026-03-02T08:00:00Z'), mail: { ownDomains: ['firma.pl'] } });
    const zefir = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir sp. z o.o.', emailDomains: ['zefir.pl'] });
    const jan = await crm.persons.create({ partnerId: zefir.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['jan@zefir.pl'] });
    return { crm, store, zefir, jan };
  };

  it('stage progress counts done and total stages per task and names the first open one', async () => {
    const { crm } = await setup();
    const a = await crm.tasks.create({ subject: 'A', stages: [{ subject: 'Call' }, { subject: 'Offer' }, { subject: 'Sign' }] });
    const b = await crm.tasks.create({ subject: 'B' });
    await crm.tasks.completeStage((await crm.tasks.stages(a.id))[0]!.id);
    const progress = await crm.tasks.stageProgress([a.id, b.id]);
    expect(progress.get(a.id)).toEqual({ done: 1, total: 3, current: 'Offer' });
    expect(progress.has(b.id)).toBe(false);
    expect((await crm.tasks.stageProgress([])).size).toBe(0);
  });

  it('tasks by ids returns those that exist, each once', async () => {
    const { crm } = await setup();
    const a = await crm.tasks.create({ subject: 'A' });
    expect((await crm.tasks.byIds([a.id, a.id, 'nope'])).map((t) => t.id)).toEqual([a.id]);
    expect(await crm.tasks.byIds([])).toEqual([]);
  });

  it('recent e-mails of a partner come newest first, each message once', async () => {
    const { crm, zefir, jan } = await setup();
    for (const [n, day] of [
      [1, '01'],
      [2, '03'],
      [3, '02'],
    ] as const) {
      await crm.emails.ingest({
        messageId: `<m${n}@zefir.pl>`,
        from: { name: 'Jan', address: 'jan@zefir.pl' },
        to: [{ name: null, address: 'anna@firma.pl' }],
        date: new Date(`2026-02-${day}T10:00:00Z`),
        subject: `M${n}`,
      });
    }
    expect((await crm.emails.recent({ partnerId: zefir.id })).map((e) => e.subject)).toEqual(['M2', 'M3', 'M1']);
    expect((await crm.emails.recent({ personId: jan.id }, { limit: 2 })).map((e) => e.subject)).toEqual(['M2', 'M3']);
  });

  it('a distinct history shows one item per event', async () => {
    const { crm, store, zefir } = await setup();
    const before = (await crm.history.forPartner(zefir.id)).items;
    const item = before[0]!;
    // A second item for the same event (as a message to two people of a partner once produced).
    await store.create<TimelineItem>('timeline', { ...item, id: `${item.id}X` });
    expect((await crm.history.forPartner(zefir.id)).items).toHaveLength(before.length + 1);
    const event = (i: TimelineItem) => `${i.kind} ${i.subjectId}`;
    expect((await crm.history.forPartner(zefir.id, { distinct: true })).items.map(event)).toEqual(before.map(event));
  });
});

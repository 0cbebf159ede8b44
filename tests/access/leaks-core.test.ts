import { describe, expect, it } from 'vitest';
import type { Email, IncomingEmail, TimelineItem } from '@rapport/core';
import { rejects, team } from './setup.js';

/** Anna and Bartek are salespeople in no common group; the administrator holds the administrator role. */
async function sales() {
  const t = await team();
  for (const op of [t.anna, t.bartek]) await t.root.roles.grant(op.id, 'salesperson');
  await t.root.roles.grant(t.admin.id, 'administrator');
  const partner = await t.root.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.pl'] });
  return { ...t, partner, asAnna: t.root.as(t.anna.id), asBartek: t.root.as(t.bartek.id) };
}

const mail = (over: Partial<IncomingEmail> = {}): IncomingEmail => ({
  messageId: '<offer-1@zefir.pl>',
  from: { name: 'Jan', address: 'jan@zefir.pl' },
  to: [{ name: 'Anna', address: 'anna@firma.pl' }],
  date: new Date('2026-03-01T10:00:00Z'),
  subject: 'Offer request',
  text: 'Please send an offer.',
  ...over,
});

describe('access: leaks through e-mail, history and opportunities', () => {
  it('a message on someone else’s private task, tracked by another operator, gets a task of its own and the answer names nothing of the first', async () => {
    const { asAnna, asBartek, anna, bartek } = await sales();
    const first = await asAnna.emails.ingest(mail(), { policy: { ownerId: anna.id } });
    await asAnna.tasks.update(first.taskId!, { private: true });
    const tracked = await asBartek.emails.ingest(mail(), { policy: { ownerId: bartek.id } });
    expect(tracked.taskId).not.toBe(first.taskId);
    expect(tracked.createdTask).toBe(true);
    expect(tracked.email!.taskId).toBe(tracked.taskId);
    expect((await asBartek.tasks.get(tracked.taskId!)).ownerId).toBe(bartek.id);
    await rejects(asBartek.tasks.get(first.taskId!), 'NOT_FOUND');
    // The message's record names the private task: it is out of Bartek's lists and reads.
    expect((await asBartek.emails.list()).items).toHaveLength(0);
    await rejects(asBartek.emails.get(first.email!.id), 'NOT_FOUND');
    expect(await asBartek.emails.forTask(tracked.taskId!)).toEqual([]);
    expect((await asAnna.emails.list()).items.map((e) => e.id)).toEqual([first.email!.id]);
  });

  it('e-mails and history items of a task follow it when it turns private', async () => {
    const { root, asAnna, asBartek, anna, partner } = await sales();
    await root.roles.grant((await root.operators.create({ name: 'Reader', email: 'reader@firma.pl' })).id, 'read-only');
    const reader = root.as((await root.operators.findByEmail('reader@firma.pl'))!.id);
    const first = await asAnna.emails.ingest(mail(), { policy: { ownerId: anna.id } });
    expect((await reader.emails.list()).items).toHaveLength(1);
    const kinds = async () => (await reader.history.forPartner(partner.id)).items.map((i) => i.kind).filter((k) => !k.startsWith('partner.'));
    expect((await kinds()).sort()).toEqual(['email.received', 'task.created']);
    const before = await reader.store.count('timeline');
    await asAnna.tasks.update(first.taskId!, { private: true });
    expect((await reader.emails.list()).items).toHaveLength(0);
    expect(await kinds()).toEqual([]);
    expect(await reader.store.count('timeline')).toBe(before - 2);
    void asBartek;
  });

  it('opportunities: lists, forecasts and history of a salesperson hold their own only; reassigning moves the history', async () => {
    const { root, anna, bartek, partner, asAnna } = await sales();
    await root.opportunities.create({
      partnerId: partner.id,
      name: 'Anna’s deal',
      amount: 100_00,
      currency: 'PLN',
      ownerId: anna.id,
      expectedCloseAt: '2026-05-31',
    });
    const other = await root.opportunities.create({
      partnerId: partner.id,
      name: 'Bartek’s deal',
      amount: 900_00,
      currency: 'PLN',
      ownerId: bartek.id,
      expectedCloseAt: '2026-05-31',
    });
    expect((await asAnna.opportunities.list({ partnerId: partner.id })).items.map((o) => o.name)).toEqual(['Anna’s deal']);
    const forecast = await asAnna.opportunities.forecast({ groupBy: 'owner' });
    expect(JSON.stringify(forecast)).not.toContain(bartek.id);
    const titles = async () => (await asAnna.history.forPartner(partner.id)).items.filter((i) => i.subjectType === 'opportunity').map((i) => i.title);
    expect((await titles()).join()).not.toContain('Bartek');
    await root.opportunities.update(other.id, { ownerId: anna.id });
    expect((await titles()).join()).toContain('Bartek');
  });

  it('a salesperson may not edit a partner they do not own: FORBIDDEN naming the rule, data intact', async () => {
    const { root, bartek, partner, asAnna } = await sales();
    await root.partners.update(partner.id, { ownerId: bartek.id });
    await rejects(
      asAnna.partners.update(partner.id, { name: 'Mine' }),
      'FORBIDDEN',
      'anna@firma.pl may not update partners ZEFIR',
      'partners.update scope own',
    );
    expect((await root.partners.get(partner.id)).name).toBe('Zefir');
    // Reading is all: the partner stays visible.
    expect((await asAnna.partners.get(partner.id)).id).toBe(partner.id);
  });
});

describe('access: upgrading data from before access control', () => {
  it('copies task fields onto old history items and e-mails, so an old private task stops showing', async () => {
    const { root, store, anna, partner } = await sales();
    const readerOp = await root.operators.create({ name: 'Reader', email: 'reader@firma.pl', groups: ['biuro'] });
    await root.roles.grant(readerOp.id, 'read-only');
    const reader = root.as(readerOp.id);
    const first = await root.as(anna.id).emails.ingest(mail(), { policy: { ownerId: anna.id } });
    await root.tasks.update(first.taskId!, { private: true });
    // As an older Rapport wrote them: no copies on the items and the e-mail.
    const blank = { taskId: null, ownerId: null, creatorId: null, private: null, registerId: null };
    for (const item of (await store.find<TimelineItem>('timeline', { limit: 100 })).items) await store.update('timeline', item.id, blank, item.version);
    const email = (await store.get<Email>('emails', first.email!.id))!;
    await store.update('emails', email.id, { ownerId: null, creatorId: null, private: null, registerId: null }, email.version);
    expect((await reader.emails.list()).items).toHaveLength(1);
    const report = await root.access.upgrade();
    expect(report).toMatchObject({ emails: 1 });
    expect(report.timelineItems).toBeGreaterThanOrEqual(2);
    expect((await reader.emails.list()).items).toHaveLength(0);
    expect((await reader.history.forPartner(partner.id)).items.filter((i) => i.subjectType !== 'partner')).toEqual([]);
    expect((await root.groups.groupsOf(readerOp.id)).map((g) => g.name)).toEqual(['biuro']);
    // Idempotent: nothing left to copy.
    expect(await root.access.upgrade()).toMatchObject({ emails: 0, timelineItems: 0 });
  });
});

describe('access: hand-over moves the history with the records', () => {
  it('an opportunity handed over shows in its new owner’s partner history, and no longer in the old one’s', async () => {
    const { root, anna, bartek, partner, asAnna, asBartek } = await sales();
    await root.opportunities.create({
      partnerId: partner.id,
      name: 'Big deal',
      amount: 500_00,
      currency: 'PLN',
      ownerId: bartek.id,
      expectedCloseAt: '2026-05-31',
    });
    const deals = async (crm: typeof asAnna) => (await crm.history.forPartner(partner.id)).items.filter((i) => i.subjectType === 'opportunity').length;
    expect(await deals(asAnna)).toBe(0);
    expect(await deals(asBartek)).toBe(1);
    await root.operators.handOver(bartek.id, anna.id, { kinds: ['opportunities'] });
    expect(await deals(asAnna)).toBe(1);
    expect(await deals(asBartek)).toBe(0);
  });
});

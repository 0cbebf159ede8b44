/**
 * Leak tests: a private task, a non-shared record and (with delegation) a delegated subtask's
 * parent never show to an operator outside them — not in lists, counts, aggregates, forecasts,
 * history pages (first and later cursors), search or e-mail tracking.
 */
import { describe, expect, it } from 'vitest';
import { where, type Crm, type IncomingEmail, type TimelineItem } from '@rapport/core';
import { createApiServer } from '@rapport/outlook-addin';
import { team } from './setup.js';

const SECRET = 'Poufne';

const msg = (over: Partial<IncomingEmail> = {}): IncomingEmail => ({
  messageId: '<negocjacje-1@zefir.pl>',
  from: { name: 'Jan Fiszka', address: 'jan.fiszka@zefir.pl' },
  to: [{ name: 'Anna', address: 'anna@firma.pl' }],
  date: new Date('2026-03-01T10:00:00Z'),
  subject: `${SECRET} negocjacje`,
  text: `${SECRET}: rabat 40%`,
  ...over,
});

/** Every page of a partner's history, following the cursor with small pages. */
async function wholeHistory(crm: Crm, partnerId: string, limit = 2): Promise<TimelineItem[]> {
  const out: TimelineItem[] = [];
  let before: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await crm.history.forPartner(partnerId, { limit, ...(before ? { before } : {}) });
    // Pages stay full: only the last may be short.
    if (page.nextCursor) expect(page.items).toHaveLength(limit);
    out.push(...page.items);
    if (!page.nextCursor) return out;
    before = page.nextCursor;
  }
  throw new Error('history did not end after 100 pages');
}

/**
 * Anna and Bartek are salespeople in one group (group scope reaches each other's tasks); Anna has
 * a private task with a note and an e-mail on partner Zefir, and both have ordinary tasks there.
 * Celina is a salesperson in another group with an opportunity and a task, one shared with Bartek.
 */
async function office() {
  const t = await team();
  const { root, anna, bartek } = t;
  const celina = await root.operators.create({ name: 'Celina', email: 'celina@firma.pl' });
  for (const op of [anna, bartek, celina]) await root.roles.grant(op.id, 'salesperson');
  const sales = await root.groups.create({ name: 'Sprzedaż' });
  const east = await root.groups.create({ name: 'Wschód' });
  await root.groups.addMember(sales.id, anna.id);
  await root.groups.addMember(sales.id, bartek.id);
  await root.groups.addMember(east.id, celina.id);
  const zefir = await root.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.pl'] });
  const asAnna = root.as(anna.id);
  const open1 = await asAnna.tasks.create({ subject: 'Telefon do Zefira', partnerId: zefir.id });
  const secret = await asAnna.tasks.create({ subject: `${SECRET} negocjacje`, description: `${SECRET} warunki`, partnerId: zefir.id, private: true });
  await asAnna.tasks.addNote(secret.id, `${SECRET} notatka`);
  const mail = await asAnna.emails.ingest(msg(), { policy: { ownerId: anna.id } });
  await asAnna.tasks.update(mail.taskId!, { private: true });
  const open2 = await root.as(bartek.id).tasks.create({ subject: 'Oferta Bartka', partnerId: zefir.id });
  const asCelina = root.as(celina.id);
  const celinaShared = await asCelina.tasks.create({ subject: 'Wspólna sprawa', partnerId: zefir.id });
  const celinaHidden = await asCelina.tasks.create({ subject: `${SECRET} Celiny`, partnerId: zefir.id });
  await asCelina.shares.share({ kind: 'tasks', id: celinaShared.id }, { operatorId: bartek.id }, 'read');
  const opp = await asCelina.opportunities.create({
    name: `${SECRET} okazja`,
    partnerId: zefir.id,
    amount: 900_000,
    currency: 'PLN',
    expectedCloseAt: '2026-04-01',
  });
  const bartekOpp = await root
    .as(bartek.id)
    .opportunities.create({ name: 'Okazja Bartka', partnerId: zefir.id, amount: 1000, currency: 'PLN', expectedCloseAt: '2026-04-01' });
  return { ...t, celina, zefir, open1, open2, secret, mailTask: mail.taskId!, celinaShared, celinaHidden, opp, bartekOpp, asBartek: root.as(bartek.id) };
}

describe('what Bartek never sees', () => {
  it('lists and search: neither the private task nor Celina’s unshared one, whatever the query', async () => {
    const o = await office();
    const hidden = [o.secret.id, o.mailTask, o.celinaHidden.id];
    for (const query of [{}, { partnerId: o.zefir.id }, { ownerId: o.anna.id }, { search: SECRET }, { status: 'open' as const }, { limit: 1 }]) {
      const ids: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await o.asBartek.tasks.list({ ...query, limit: 2, ...(cursor ? { cursor } : {}) });
        ids.push(...page.items.map((t) => t.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      for (const id of hidden) expect(ids, JSON.stringify(query)).not.toContain(id);
    }
    const mine = (await o.asBartek.tasks.list({ partnerId: o.zefir.id })).items.map((t) => t.id).sort();
    expect(mine).toEqual([o.open1.id, o.open2.id, o.celinaShared.id].sort());
  });

  it('counts and aggregates are exact for him: the hidden tasks are not counted', async () => {
    const o = await office();
    expect(await o.asBartek.store.count('tasks', where.eq('partnerId', o.zefir.id))).toBe(3);
    expect(await o.root.store.count('tasks', where.eq('partnerId', o.zefir.id))).toBe(6);
    const rows = await o.asBartek.store.aggregate('tasks', { where: where.eq('partnerId', o.zefir.id), measures: { n: { fn: 'count' } } });
    expect(rows.reduce((a, r) => a + (r.values.n ?? 0), 0)).toBe(3);
  });

  it('forecasts: an opportunity he may not read adds nothing to his sums', async () => {
    const o = await office();
    const his = await o.asBartek.opportunities.forecast({ groupBy: 'owner' });
    expect(his.rows.map((r) => r.key)).toEqual([o.bartek.id]);
    expect(his.totals.reduce((a, t) => a + t.openAmount, 0)).toBe(1000);
    const all = await o.root.opportunities.forecast({ groupBy: 'owner' });
    expect(all.totals.reduce((a, t) => a + t.openAmount, 0)).toBe(901_000);
  });

  it('single reads are NOT_FOUND: the task, its stages, entries and e-mails', async () => {
    const o = await office();
    for (const id of [o.secret.id, o.mailTask, o.celinaHidden.id]) {
      await expect(o.asBartek.tasks.get(id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
    await expect(o.asBartek.tasks.entries(o.secret.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(o.asBartek.tasks.stages(o.secret.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it("the operator's store finds none of a hidden task's e-mails", async () => {
    const o = await office();
    expect(await o.asBartek.store.count('emails', where.eq('taskId', o.mailTask))).toBe(0);
    expect((await o.asBartek.store.find('emails', { where: where.eq('taskId', o.mailTask) })).items).toEqual([]);
    expect(JSON.stringify((await o.asBartek.store.find('emails', { limit: 100 })).items)).not.toContain(SECRET);
  });

  it('the e-mail reads of the SDK give nothing of a hidden task', async () => {
    const o = await office();
    expect(await o.asBartek.emails.forTask(o.mailTask).catch((err: { code?: string }) => err.code)).toEqual(expect.toBeOneOf([[], 'NOT_FOUND']));
    expect(JSON.stringify((await o.asBartek.emails.list({ limit: 100 })).items)).not.toContain(SECRET);
    expect(JSON.stringify(await o.asBartek.emails.recent({ partnerId: o.zefir.id }, { limit: 50 }))).not.toContain(SECRET);
  });

  it('history: no page, first or later, carries an item of a hidden task, and pages stay full', async () => {
    const o = await office();
    const items = await wholeHistory(o.asBartek, o.zefir.id);
    const text = JSON.stringify(items);
    expect(text).not.toContain(SECRET);
    for (const id of [o.secret.id, o.mailTask, o.celinaHidden.id]) expect(items.some((i) => i.subjectId === id || i.data.taskId === id)).toBe(false);
    // Anna's own view has them: the items exist, the rule hid them.
    expect(JSON.stringify(await wholeHistory(o.root.as(o.anna.id), o.zefir.id))).toContain(SECRET);
    const emailHistory = await o.asBartek.history.forEmail('jan.fiszka@zefir.pl', { limit: 50 });
    expect(JSON.stringify(emailHistory.items)).not.toContain(SECRET);
  });

  it('e-mail tracking: the same message tracked by him gets a task of his own, and the answer reveals nothing', async () => {
    const o = await office();
    const result = await o.asBartek.emails.ingest(msg(), { policy: { ownerId: o.bartek.id } });
    expect(result.taskId).not.toBeNull();
    expect(result.taskId).not.toBe(o.mailTask);
    expect(result.createdTask).toBe(true);
    const task = await o.asBartek.tasks.get(result.taskId!);
    expect(task.ownerId).toBe(o.bartek.id);
    expect(JSON.stringify({ ...result, email: { ...result.email, subject: null, text: null } })).not.toContain(o.mailTask);
    // A reply in the private thread lands on his task too, never on Anna's.
    const reply = await o.asBartek.emails.ingest(
      msg({ messageId: '<negocjacje-2@zefir.pl>', inReplyTo: '<negocjacje-1@zefir.pl>', references: ['<negocjacje-1@zefir.pl>'], subject: 'Re: oferta' }),
      { policy: { ownerId: o.bartek.id } },
    );
    expect(reply.taskId).not.toBe(o.mailTask);
    // Anna's private task gained nothing from him.
    expect((await o.root.tasks.entries(o.mailTask)).items).toHaveLength(1);
  });

  it('the HTTP API answers him nothing of them: tasks, history, notifications and new tasks', async () => {
    const o = await office();
    const app = await createApiServer({ crm: o.root, paneDir: false, rateLimit: false });
    try {
      const { token } = await o.root.operators.createToken(o.bartek.id);
      const get = (url: string) => app.inject({ url, headers: { authorization: `Bearer ${token}` } });
      for (const id of [o.secret.id, o.mailTask, o.celinaHidden.id]) expect((await get(`/api/v1/tasks/${id}`)).statusCode).toBe(404);
      for (const url of [
        '/api/v1/tasks?limit=200',
        `/api/v1/tasks?owner=${o.anna.id}&limit=200`,
        '/api/v1/history?email=jan.fiszka@zefir.pl&limit=200',
        '/api/v1/notifications?limit=200',
        '/api/v1/notifications/new-tasks',
      ]) {
        const res = await get(url);
        expect(res.statusCode, url).toBe(200);
        expect(res.body, url).not.toContain(SECRET);
      }
    } finally {
      await app.close();
    }
  });
});

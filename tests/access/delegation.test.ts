/**
 * Delegation: a whole task with its history, or a subtask that reveals nothing of its parent —
 * not in lists, search, history pages, single reads, the HTTP API or e-mail tracking.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { where, type AuditEntry, type IncomingEmail } from '@rapport/core';
import { createApiServer } from '@rapport/outlook-addin';
import { all, rejects, team } from './setup.js';

const SECRET = 'Tajne';

const msg = (over: Partial<IncomingEmail> = {}): IncomingEmail => ({
  messageId: '<przetarg-1@zefir.pl>',
  from: { name: 'Jan Fiszka', address: 'jan.fiszka@zefir.pl' },
  to: [{ name: 'Anna', address: 'anna@firma.pl' }],
  date: new Date('2026-03-01T10:00:00Z'),
  subject: `${SECRET} przetarg`,
  text: `${SECRET}: budżet 2 mln`,
  ...over,
});

/** Anna and Celina are salespeople in different groups: no role of Celina's reaches Anna's tasks. */
async function office() {
  const t = await team();
  const { root, anna, bartek } = t;
  const celina = await root.operators.create({ name: 'Celina', email: 'celina@firma.pl' });
  for (const op of [anna, bartek, celina]) await root.roles.grant(op.id, 'salesperson');
  const north = await root.groups.create({ name: 'Północ' });
  const south = await root.groups.create({ name: 'Południe' });
  await root.groups.addMember(north.id, anna.id);
  await root.groups.addMember(south.id, celina.id);
  const zefir = await root.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.pl'] });
  const asAnna = root.as(anna.id);
  const asCelina = root.as(celina.id);
  return { ...t, celina, zefir, asAnna, asCelina };
}

let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

describe('tasks.delegate with its history', () => {
  it('gives the delegate the task, its stages, entries, e-mails and its whole history; the delegator keeps following it', async () => {
    const o = await office();
    const mail = await o.asAnna.emails.ingest(msg(), { policy: { ownerId: o.anna.id } });
    const task = await o.asAnna.tasks.update(mail.taskId!, { private: true, subject: `${SECRET} przetarg Zefir` });
    await o.asAnna.tasks.addNote(task.id, `${SECRET} notatka`);
    await o.asAnna.tasks.addStage(task.id, { subject: 'Oferta' });
    await rejects(o.asCelina.tasks.get(task.id), 'NOT_FOUND');

    const delegated = await o.asAnna.tasks.delegate(task.id, o.celina.id, { withHistory: true });
    expect(delegated.ownerId).toBe(o.celina.id);
    expect((await o.asCelina.tasks.get(task.id)).subject).toContain(SECRET);
    expect((await o.asCelina.tasks.entries(task.id)).items.map((e) => e.kind).sort()).toEqual(['email', 'note']);
    expect(await o.asCelina.tasks.stages(task.id)).toHaveLength(1);
    expect((await o.asCelina.emails.forTask(task.id)).map((e) => e.id)).toEqual([mail.email!.id]);
    // The history items written before the delegation are hers now too.
    const history = (await o.asCelina.history.forPartner(o.zefir.id, { limit: 100 })).items.filter((i) => i.subjectId === task.id || i.taskId === task.id);
    expect(history.map((i) => i.kind)).toEqual(expect.arrayContaining(['task.created', 'entry.note', 'task.delegated']));
    // Anna still follows and works it.
    await o.asAnna.tasks.addNote(task.id, 'Anna nadal pomaga');
    const trail = (await all<AuditEntry>(o.store, 'audit')).filter((a) => a.entityId === task.id && a.field === 'delegation');
    expect(trail).toEqual([
      expect.objectContaining({ actorId: o.anna.id, to: expect.objectContaining({ to: o.celina.id, from: o.anna.id, withHistory: true }) }),
    ]);
  });

  it('refuses what it cannot do, and changes nothing', async () => {
    const o = await office();
    const task = await o.asAnna.tasks.create({ subject: 'Sprawa' });
    await rejects(o.asAnna.tasks.delegate(task.id, o.celina.id, { withHistory: false }), 'VALIDATION', 'delegate.withHistory');
    await rejects(o.asAnna.tasks.delegate(task.id, o.anna.id), 'VALIDATION', 'delegate.to', 'already owned');
    await rejects(o.asAnna.tasks.delegate(task.id, o.celina.id, { revealParent: true }), 'VALIDATION', 'delegate.revealParent');
    await rejects(o.asAnna.tasks.delegate(task.id, 'nobody'), 'NOT_FOUND', 'delegate.to');
    // Celina cannot delegate a task she does not see: it does not exist for her.
    await rejects(o.asCelina.tasks.delegate(task.id, o.celina.id), 'NOT_FOUND');
    expect((await o.root.tasks.get(task.id)).ownerId).toBe(o.anna.id);
  });
});

describe('tasks.delegate of a subtask without its parent', () => {
  /** Anna's parent task (with a note and an e-mail thread) and two subtasks; one goes to Celina. */
  async function split() {
    const o = await office();
    const mail = await o.asAnna.emails.ingest(msg(), { policy: { ownerId: o.anna.id } });
    const parent = await o.asAnna.tasks.update(mail.taskId!, { subject: `${SECRET} przetarg`, description: `${SECRET} opis` });
    await o.asAnna.tasks.addNote(parent.id, `${SECRET} notatka rodzica`);
    const sub = await o.asAnna.tasks.create({ subject: 'Wycena sprzętu', parentId: parent.id, partnerId: o.zefir.id });
    const sibling = await o.asAnna.tasks.create({ subject: `${SECRET} rodzeństwo`, parentId: parent.id, partnerId: o.zefir.id });
    await o.asAnna.tasks.delegate(sub.id, o.celina.id, { revealParent: false });
    await o.asCelina.tasks.addNote(sub.id, 'Wycena: 120 tys.');
    return { ...o, mail, parent, sub, sibling };
  }

  it('gives her the subtask and what is on it', async () => {
    const o = await split();
    expect((await o.asCelina.tasks.get(o.sub.id)).ownerId).toBe(o.celina.id);
    expect((await o.asCelina.tasks.entries(o.sub.id)).items.map((e) => e.body)).toEqual(['Wycena: 120 tys.']);
  });

  it('reveals nothing of the parent: single reads, lists, search, counts, history pages', async () => {
    const o = await split();
    for (const id of [o.parent.id, o.sibling.id]) await rejects(o.asCelina.tasks.get(id), 'NOT_FOUND');
    await rejects(o.asCelina.tasks.entries(o.parent.id), 'NOT_FOUND');
    for (const query of [{}, { search: SECRET }, { partnerId: o.zefir.id }, { parentId: o.parent.id }]) {
      const ids = (await o.asCelina.tasks.list({ ...query, limit: 200 })).items.map((t) => t.id);
      expect(ids, JSON.stringify(query)).not.toContain(o.parent.id);
      expect(ids, JSON.stringify(query)).not.toContain(o.sibling.id);
    }
    expect(await o.asCelina.store.count('tasks', where.eq('parentId', o.parent.id))).toBe(1);
    let before: string | undefined;
    const seen: string[] = [];
    do {
      const page = await o.asCelina.history.forPartner(o.zefir.id, { limit: 2, ...(before ? { before } : {}) });
      seen.push(JSON.stringify(page.items));
      before = page.nextCursor ?? undefined;
    } while (before);
    expect(seen.join('')).not.toContain(SECRET);
    expect(seen.join('')).not.toContain(o.parent.id);
  });

  it('reveals nothing of the parent through the HTTP API', async () => {
    const o = await split();
    app = await createApiServer({ crm: o.root, paneDir: false, rateLimit: false });
    const { token } = await o.root.operators.createToken(o.celina.id);
    const get = (url: string) => app!.inject({ url, headers: { authorization: `Bearer ${token}` } });
    expect((await get(`/api/v1/tasks/${o.parent.id}`)).statusCode).toBe(404);
    expect((await get(`/api/v1/tasks/${o.sibling.id}`)).statusCode).toBe(404);
    const sub = await get(`/api/v1/tasks/${o.sub.id}`);
    expect(sub.statusCode).toBe(200);
    for (const url of ['/api/v1/tasks?limit=200', `/api/v1/tasks?partnerId=${o.zefir.id}`, '/api/v1/history?email=jan.fiszka@zefir.pl&limit=200']) {
      const res = await get(url);
      expect(res.statusCode, url).toBe(200);
      expect(res.body, url).not.toContain(SECRET);
    }
  });

  it('e-mail tracking: a reply in the parent’s thread tracked by her becomes a task of her own', async () => {
    const o = await split();
    const reply = await o.asCelina.emails.ingest(
      msg({ messageId: '<przetarg-2@zefir.pl>', inReplyTo: '<przetarg-1@zefir.pl>', references: ['<przetarg-1@zefir.pl>'], subject: 'Re: wycena' }),
      { policy: { ownerId: o.celina.id } },
    );
    expect(reply.taskId).not.toBe(o.parent.id);
    expect((await o.asCelina.tasks.get(reply.taskId!)).ownerId).toBe(o.celina.id);
    expect(JSON.stringify(reply)).not.toContain(o.parent.id);
    // The parent's thread gained nothing from her.
    expect((await o.root.emails.forTask(o.parent.id)).map((e) => e.messageId)).toEqual([expect.stringContaining('przetarg-1')]);
  });

  it('with revealParent she reads the parent too, and still not the sibling', async () => {
    const o = await office();
    const parent = await o.asAnna.tasks.create({ subject: 'Przetarg', partnerId: o.zefir.id });
    const sub = await o.asAnna.tasks.create({ subject: 'Wycena', parentId: parent.id });
    const sibling = await o.asAnna.tasks.create({ subject: 'Logistyka', parentId: parent.id });
    await o.asAnna.tasks.delegate(sub.id, o.celina.id, { revealParent: true });
    expect((await o.asCelina.tasks.get(parent.id)).subject).toBe('Przetarg');
    await rejects(o.asCelina.tasks.get(sibling.id), 'NOT_FOUND');
  });
});

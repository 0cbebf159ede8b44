import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApiServer } from '@rapport/outlook-addin';
import { message, seed, type Seeded } from './fixtures.js';

// Every route that returns a task applies one rule (server/visibility.ts): a private task is
// its owner's alone. Anna owns the private task; Piotr must never see or extend it.
let s: Seeded;
let app: FastifyInstance;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });
const SECRET = 'poufne';

beforeAll(async () => {
  s = await seed();
  app = await createApiServer({ crm: s.crm, paneDir: false, rateLimit: false });
});
afterAll(async () => {
  await app.close();
  await s.crm.close();
});

const track = (token: string, raw: string) =>
  app.inject({ method: 'POST', url: '/api/v1/emails', headers: { ...auth(token), 'content-type': 'message/rfc822' }, payload: raw });

/** A message Anna tracked, on a task she then made private. */
async function annasPrivateThread(id: string) {
  const raw = message({ messageId: `${id}@zefir.pl`, subject: `Negocjacje ${SECRET} ${id}` });
  const tracked = await track(s.tokens.anna, raw);
  expect(tracked.statusCode).toBe(201);
  const taskId: string = tracked.json().task.id;
  await s.crm.as(s.ids.anna).tasks.update(taskId, { private: true });
  const task = await s.crm.tasks.get(taskId);
  return { raw, task, entries: async () => (await s.crm.tasks.entries(taskId)).items.length };
}

describe('GET /api/v1/tasks/:id', () => {
  it("answers 404 for another operator's private task, 200 for its owner", async () => {
    expect((await app.inject({ url: `/api/v1/tasks/${s.ids.privateTask}`, headers: auth(s.tokens.piotr) })).statusCode).toBe(404);
    const own = await app.inject({ url: `/api/v1/tasks/${s.ids.privateTask}`, headers: auth(s.tokens.anna) });
    expect(own.statusCode).toBe(200);
    expect(own.json().task.subject).toContain(SECRET);
  });
});

describe('GET /api/v1/tasks', () => {
  it('never lists a private task of another operator, whatever the query asks for', async () => {
    for (const query of ['limit=200', `owner=${s.ids.anna}`, `partnerId=${s.ids.zefir}`, 'status=open', 'overdue=false']) {
      const res = await app.inject({ url: `/api/v1/tasks?${query}`, headers: auth(s.tokens.piotr) });
      expect(res.statusCode, query).toBe(200);
      expect(res.body, query).not.toContain(SECRET);
    }
    const own = (await app.inject({ url: `/api/v1/tasks?owner=me&limit=200`, headers: auth(s.tokens.anna) })).json();
    expect(own.items.map((t: { id: string }) => t.id)).toContain(s.ids.privateTask);
  });
});

describe('GET /api/v1/history', () => {
  it('hides the private task, its e-mails and timeline items from another operator', async () => {
    const { task } = await annasPrivateThread('history-private');
    const other = await app.inject({ url: '/api/v1/history?email=jan.fiszka@zefir.pl&limit=100', headers: auth(s.tokens.piotr) });
    expect(other.statusCode).toBe(200);
    expect(other.body).not.toContain(SECRET);
    expect(other.body).not.toContain(task.id);
    const owner = await app.inject({ url: '/api/v1/history?email=jan.fiszka@zefir.pl&limit=100', headers: auth(s.tokens.anna) });
    expect(owner.body).toContain(task.id);
  });
});

describe('POST /api/v1/emails', () => {
  it("a message already on another operator's private task gets a task of its own, and the answer names nothing of the private one", async () => {
    const { raw, task, entries } = await annasPrivateThread('tracked-twice');
    const before = await entries();
    const res = await track(s.tokens.piotr, raw);
    expect(res.statusCode).toBe(201);
    const body = res.json();
    expect(body).toMatchObject({ status: 'imported', duplicate: false, task: { id: expect.any(String) } });
    expect(body.task.id).not.toBe(task.id);
    expect(res.body).not.toContain(task.id);
    expect(res.body).not.toContain(task.number);
    const mine = await s.crm.tasks.get(body.task.id);
    expect(mine).toMatchObject({ ownerId: s.ids.piotr, private: false });
    expect(await entries()).toBe(before);
    // Tracking it again lands on the same task of Piotr's; Anna still gets her own.
    const again = await track(s.tokens.piotr, raw);
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ duplicate: true, task: { id: body.task.id } });
    expect((await track(s.tokens.anna, raw)).json()).toMatchObject({ duplicate: true, task: { id: task.id } });
  });

  it("a reply in a thread whose task is another operator's private task is not filed on it", async () => {
    const { task, entries } = await annasPrivateThread('private-root');
    const before = await entries();
    const reply = message({ messageId: 'private-reply@zefir.pl', subject: 'Re: negocjacje' }).replace(
      'MIME-Version: 1.0',
      'In-Reply-To: <private-root@zefir.pl>\r\nReferences: <private-root@zefir.pl>\r\nMIME-Version: 1.0',
    );
    const res = await track(s.tokens.piotr, reply);
    expect(res.statusCode).toBe(201);
    expect(res.json().task.id).not.toBe(task.id);
    expect(res.body).not.toContain(task.id);
    expect(res.body).not.toContain(SECRET);
    expect(await entries()).toBe(before);
    // A second reply tracked by Piotr joins his task, not Anna's.
    const second = message({ messageId: 'private-reply-2@zefir.pl', subject: 'Re: negocjacje' }).replace(
      'MIME-Version: 1.0',
      'In-Reply-To: <private-reply@zefir.pl>\r\nReferences: <private-root@zefir.pl> <private-reply@zefir.pl>\r\nMIME-Version: 1.0',
    );
    expect((await track(s.tokens.piotr, second)).json().task.id).toBe(res.json().task.id);
    expect(await entries()).toBe(before);
  });

  it("a reply known only by its subject does not join another operator's private task of that subject", async () => {
    const { task, entries } = await annasPrivateThread('subject-only');
    const before = await entries();
    const reply = message({ messageId: 'subject-only-reply@zefir.pl', subject: `RE: ${task.subject}` });
    const res = await track(s.tokens.piotr, reply);
    expect(res.statusCode).toBe(201);
    expect(res.json().task.id).not.toBe(task.id);
    expect(res.body).not.toContain(task.id);
    expect(await entries()).toBe(before);
  });
});

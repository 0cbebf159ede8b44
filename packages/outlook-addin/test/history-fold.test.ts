import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApiServer } from '@rapport/outlook-addin';
import { recentEmails } from '../src/server/extras.js';
import { message, seed, type Seeded } from './fixtures.js';

// GET /history takes the last e-mails from the timeline page it read and the stage progress from
// one read of the stages: the answers must be what core's own reads (crm.emails.recent,
// crm.tasks.stageProgress) give the same operator.
let s: Seeded;
let app: FastifyInstance;
const auth = (token: string) => ({ authorization: `Bearer ${token}` });

beforeAll(async () => {
  s = await seed();
  app = await createApiServer({ crm: s.crm, paneDir: false, rateLimit: false });
  for (let i = 0; i < 7; i++) {
    const raw = message({ messageId: `fold-${i}@zefir.pl`, subject: `Pytanie ${i}`, body: `Treść ${i}` });
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/emails',
      headers: { ...auth(i % 2 ? s.tokens.piotr : s.tokens.anna), 'content-type': 'message/rfc822' },
      payload: raw,
    });
    expect(res.statusCode).toBe(201);
  }
  // One of Anna's filed e-mails goes onto a private task: Piotr may not see it any more.
  const [annas] = (await s.crm.as(s.ids.anna).tasks.list({ partnerId: s.ids.zefir, limit: 50 })).items.filter((t) => t.subject === 'Pytanie 6');
  await s.crm.as(s.ids.anna).tasks.update(annas!.id, { private: true });
});
afterAll(async () => {
  await app.close();
  await s.crm.close();
});

describe('GET /history folds its reads without changing its answer', () => {
  it.each([
    ['anna', 50],
    ['anna', 3],
    ['piotr', 50],
    ['piotr', 3],
  ] as const)('as %s with limit %i: e-mails and stage progress equal core reads', async (who, limit) => {
    const history = (await app.inject({ url: `/api/v1/history?email=jan.fiszka@zefir.pl&limit=${limit}`, headers: auth(s.tokens[who]) })).json();
    const as = s.crm.as(s.ids[who]);
    expect(history.emails).toEqual(await recentEmails(as, { partnerId: s.ids.zefir }));
    expect(history.emails.length).toBe(5);
    const progress = await as.tasks.stageProgress(history.openTasks.map((t: { id: string }) => t.id));
    for (const t of history.openTasks as Array<{ id: string; stages: unknown }>)
      expect(t.stages, t.id).toEqual(progress.get(t.id) ?? { done: 0, total: 0, current: null });
    expect(history.openTasks.some((t: { stages: { total: number } }) => t.stages.total === 2)).toBe(true);
    const subjects = history.emails.map((e: { subject: string }) => e.subject);
    if (who === 'piotr') expect(subjects).not.toContain('Pytanie 6');
    else expect(subjects[0]).toBe('Pytanie 6');
  });
});

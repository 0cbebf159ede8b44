import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyInstance } from 'fastify';
import { createApiServer, ensureDevCertificate } from '@rapport/outlook-addin';
import { printRecord } from '@rapport/export';
import { seed, type Seeded } from '../../packages/outlook-addin/test/fixtures.js';

// GET /api/v1/print/:kind/:id on the real HTTPS server, the PDF read back with pdftotext
// (poppler-utils, installed by .ci/run).
let s: Seeded;
let app: FastifyInstance;
let origin: string;
let ca: Buffer;

beforeAll(async () => {
  s = await seed();
  await s.crm.as(s.ids.anna).templates.create({
    name: 'Karta krótka',
    channel: 'print',
    recordKind: 'task',
    language: 'pl',
    body: '# Karta {{ task.number }}\n{{ task.subject }}',
  });
  const cert = ensureDevCertificate(join(mkdtempSync(join(tmpdir(), 'rapport-print-')), 'certs'));
  ca = cert.ca;
  app = await createApiServer({ crm: s.crm, tls: cert, paneDir: false, print: printRecord });
  await app.listen({ port: 0, host: '127.0.0.1' });
  origin = `https://localhost:${(app.server.address() as { port: number }).port}`;
});
afterAll(async () => {
  await app?.close();
  await s?.crm.close();
});

function get(path: string, token?: string): Promise<{ status: number; type: string; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const headers = token ? { authorization: `Bearer ${token}` } : undefined;
    const req = request(`${origin}${path}`, { ca, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}
const pdfText = (pdf: Buffer) => execFileSync('pdftotext', ['-layout', '-', '-'], { input: pdf }).toString();

describe('GET /api/v1/print/:kind/:id (real HTTPS server)', () => {
  it('streams the task card as a PDF, with the default template or one named by id or name', async () => {
    const card = await get(`/api/v1/print/task/${s.ids.enovaTask}`, s.tokens.anna);
    expect(card.status).toBe(200);
    expect(card.type).toBe('application/pdf');
    expect(card.body.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdfText(card.body)).toContain('Informacje o systemie enova');

    const byId = await get(`/api/v1/print/task/${s.ids.enovaTask}?template=task-card`, s.tokens.anna);
    expect(pdfText(byId.body)).toContain('Informacje o systemie enova');
    const named = await get(`/api/v1/print/task/${s.ids.enovaTask}?template=${encodeURIComponent('Karta krótka')}&language=pl`, s.tokens.anna);
    expect(named.status).toBe(200);
    expect(pdfText(named.body)).toMatch(/Karta \S+\/2026\/CRM/);

    const partner = await get(`/api/v1/print/partner/${s.ids.zefir}`, s.tokens.anna);
    expect(pdfText(partner.body)).toContain('Zefir J. Nowak i E. Nowak');
  });

  it("answers another operator's private task as 404, exactly like a task that does not exist", async () => {
    const hidden = await get(`/api/v1/print/task/${s.ids.privateTask}`, s.tokens.piotr);
    const missing = await get(`/api/v1/print/task/no-such-task`, s.tokens.piotr);
    expect(hidden.status).toBe(404);
    expect(hidden.type).toMatch(/^application\/json/);
    expect(JSON.parse(hidden.body.toString()).error.code).toBe('NOT_FOUND');
    expect(JSON.parse(hidden.body.toString()).error.message).not.toContain('Rabat');
    expect(missing.status).toBe(404);
    // Its owner prints it.
    const own = await get(`/api/v1/print/task/${s.ids.privateTask}`, s.tokens.anna);
    expect(pdfText(own.body)).toContain('Rabat dla ZEFIR');
  });

  it('refuses a bad kind, an unknown template and a missing token as JSON errors', async () => {
    const kind = await get(`/api/v1/print/invoice/${s.ids.enovaTask}`, s.tokens.anna);
    expect(kind.status).toBe(400);
    expect(JSON.parse(kind.body.toString()).error).toMatchObject({ code: 'VALIDATION', message: expect.stringContaining('task, offer, partner') });
    const template = await get(`/api/v1/print/task/${s.ids.enovaTask}?template=nope`, s.tokens.anna);
    expect(template.status).toBe(404);
    expect(JSON.parse(template.body.toString()).error.message).toContain('"nope"');
    expect((await get(`/api/v1/print/task/${s.ids.enovaTask}`)).status).toBe(401);
  });

  it('answers 501 on a server whose host passed no printer', async () => {
    const bare = await createApiServer({ crm: s.crm, paneDir: false });
    const res = await bare.inject({ url: `/api/v1/print/task/${s.ids.enovaTask}`, headers: { authorization: `Bearer ${s.tokens.anna}` } });
    expect(res.statusCode).toBe(501);
    expect(res.json().error.code).toBe('NOT_IMPLEMENTED');
    await bare.close();
  });
});

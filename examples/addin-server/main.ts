/**
 * Mounting the Rapport add-in API inside your own Fastify application, next to your routes.
 *   npx tsx examples/addin-server/main.ts [path/to/crm.db] [--once]
 * Then open https://localhost:3443/pane/taskpane.html (the pane needs `npm run build:pane -w
 * @rapport/outlook-addin` once) or call the API with the printed token.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { createCrm, fsBlobStore } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';
import { ensureDevCertificate, rapportApi } from '@rapport/outlook-addin';

const once = process.argv.includes('--once'); // serve, answer one real request, exit (CI)
const filename = process.argv.slice(2).find((a) => !a.startsWith('--')) ?? join(tmpdir(), `rapport-addin-example-${process.pid}.db`);
const store = sqliteStore({ filename });
await store.migrate();
const crm = createCrm({ store, blobs: fsBlobStore({ dir: `${filename}.blobs` }) });

// Somebody to sign in as, with a token for the pane (printed once; stored hashed).
const operator = (await crm.operators.findByEmail('anna@example.com')) ?? (await crm.operators.create({ name: 'Anna Kowalska', email: 'anna@example.com' }));
const { token } = await crm.operators.createToken(operator.id, { label: 'addin-server example' });
if (!(await crm.partners.findByCode('ZEFIR'))) {
  const me = crm.as(operator.id);
  const zefir = await me.partners.create({ code: 'ZEFIR', name: 'Zefir J. Nowak i E. Nowak', emailDomains: ['zefir.pl'] });
  const jan = await me.persons.create({ partnerId: zefir.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['jan.fiszka@zefir.pl'] });
  await me.tasks.create({
    subject: 'Informacje o systemie enova',
    personId: jan.id,
    dueAt: new Date(Date.now() - 86_400_000),
    stages: [{ subject: 'Wysłać materiały pocztą' }, { subject: 'Wysłać prezentację e-mailem' }],
  });
}

// Your application: its own routes, with Rapport's API and pane registered beside them.
const cert = ensureDevCertificate();
const app = Fastify({ https: { key: cert.key, cert: cert.cert } });
app.get('/health', async () => ({ ok: true }));
await app.register(rapportApi, { crm, https: true, allowedOrigins: ['https://localhost:3443'], publicOrigin: 'https://localhost:3443' });
await app.listen({ port: 3443, host: '127.0.0.1' });

console.log(`API + pane: https://localhost:3443/pane/taskpane.html`);
console.log(`token:      ${token}`);
console.log(`try:        curl -k -H "Authorization: Bearer ${token}" "https://localhost:3443/api/v1/history?email=jan.fiszka@zefir.pl"`);

const stop = async () => {
  await app.close();
  await crm.close();
};
const stopOnSignal = () => {
  stop().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
};
process.once('SIGINT', stopOnSignal);
process.once('SIGTERM', stopOnSignal);

if (once) {
  const res = await app.inject({ url: '/api/v1/history?email=jan.fiszka@zefir.pl', headers: { authorization: `Bearer ${token}` } });
  const body = res.json();
  console.log(`GET /api/v1/history → ${res.statusCode}: ${body.partner?.code} with ${body.openTasks?.length ?? 0} open task(s)`);
  await stop();
  if (res.statusCode !== 200 || body.partner?.code !== 'ZEFIR') process.exitCode = 1;
}

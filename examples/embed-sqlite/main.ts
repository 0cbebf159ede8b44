/**
 * Embedding Rapport on SQLite: one file, no server.
 *   npx tsx examples/embed-sqlite/main.ts [path/to/crm.db]
 */
import { rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCrm } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';

// The first argument that is not a flag (CI passes --once, which this example ignores).
const given = process.argv.slice(2).find((a) => !a.startsWith('--'));
const filename = given ?? join(tmpdir(), `rapport-embed-${process.pid}.db`);

const store = sqliteStore({ filename });
const { applied } = await store.migrate(); // creates or upgrades the tables
console.log(`database ${filename}: applied ${applied.length ? applied.join(', ') : 'nothing (up to date)'}`);

const crm = createCrm({ store });
try {
  const admin = await crm.operators.create({ name: 'Administrator', email: `admin+${Date.now()}@example.com` });
  const me = crm.as(admin.id);

  const zefir =
    (await me.partners.findByCode('ZEFIR')) ?? (await me.partners.create({ code: 'ZEFIR', name: 'Zefir J. Nowak i E. Nowak', emailDomains: ['zefir.pl'] }));
  const jan = await me.persons.create({ partnerId: zefir.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['jan@zefir.pl'] });
  const task = await me.tasks.create({
    subject: 'Informacje o systemie enova',
    partnerId: zefir.id,
    personId: jan.id,
    ownerId: admin.id,
    dueAt: new Date(Date.now() + 7 * 86_400_000),
    stages: [{ subject: 'Send brochures by post' }, { subject: 'Send the presentation by e-mail' }],
  });
  const [first] = await me.tasks.stages(task.id);
  if (first) await me.tasks.completeStage(first.id);
  console.log(`task ${task.number} "${task.subject}" with ${(await me.tasks.stages(task.id)).length} stages`);

  const history = await me.history.forPartner(zefir.id, { limit: 20 });
  console.log(`history of ${zefir.code} (newest first):`);
  for (const item of history.items) console.log(`  ${item.at.toISOString()}  ${item.kind.padEnd(18)} ${item.title}`);
} finally {
  await crm.close();
  if (!given) for (const f of [filename, `${filename}-wal`, `${filename}-shm`]) rmSync(f, { force: true });
}

/**
 * Embedding Rapport on PostgreSQL, in its own schema (namespace) of the host's database.
 *   RAPPORT_PG_URL=postgres://user@host:5432/db npx tsx examples/embed-postgres/main.ts
 */
import { createCrm } from '@rapport/core';
import { postgresStore } from '@rapport/storage-adapters';

const url = process.env.RAPPORT_PG_URL ?? process.env.RAPPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

const store = postgresStore({ url, schemaName: 'rapport_example', poolSize: 5 });
const { applied } = await store.migrate(); // creates the schema and tables, or upgrades them
console.log(`schema rapport_example: applied ${applied.length ? applied.join(', ') : 'nothing (up to date)'}`);

const crm = createCrm({ store });
try {
  const email = 'admin@example.com';
  const admin =
    (await crm.operators.list({ limit: 100 })).items.find((o) => o.email === email) ?? (await crm.operators.create({ name: 'Administrator', email }));
  const me = crm.as(admin.id);

  // Re-running the example reuses the partner and person and adds another task.
  const zefir =
    (await me.partners.findByCode('ZEFIR')) ?? (await me.partners.create({ code: 'ZEFIR', name: 'Zefir J. Nowak i E. Nowak', emailDomains: ['zefir.pl'] }));
  const jan =
    (await me.persons.findByEmail('jan@zefir.pl'))[0] ??
    (await me.persons.create({ partnerId: zefir.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['jan@zefir.pl'] }));
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
  console.log(`history of ${zefir.code} (newest first, first 20):`);
  for (const item of history.items) console.log(`  ${item.at.toISOString()}  ${item.kind.padEnd(18)} ${item.title}`);
} finally {
  await crm.close();
}

// The history benches' data: an operator, a partner with 40 tasks (two stages each, some owned by
// another operator, some private) and a timeline of ITEMS items, a fifth of them on that partner.
//   BENCH_STORE=sqlite (default) | postgres   (PostgreSQL: RAPPORT_TEST_PG_URL, a schema of its own)
//   BENCH_DB=/path/file.db   keep the SQLite file and reuse it next time (seeding 1M items takes a minute)
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createCrm, newId, type Crm, type Operator, type Store, type TimelineItem } from '@rapport/core';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';

export const PG_URL = process.env.RAPPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const PARTNERS = 200;
const OPERATOR = 'bench@firma.pl';

export interface Seeded {
  kind: 'sqlite' | 'postgres';
  crm: Crm;
  store: Store;
  token: string;
  items: number;
  seedSeconds: number;
  /** The SQLite file, or the PostgreSQL schema. */
  where: string;
  /** A one-line description of the data. */
  describe: string;
  /** Closes the CRM and removes what the bench made (not a kept BENCH_DB file). */
  dispose(): Promise<void>;
}

export async function seedHistory(items: number, kind = (process.env.BENCH_STORE ?? 'sqlite') as 'sqlite' | 'postgres'): Promise<Seeded> {
  const kept = kind === 'sqlite' ? process.env.BENCH_DB : undefined;
  const dir = kept ? null : mkdtempSync(join(tmpdir(), 'rapport-bench-'));
  const schema = `bench_api_${process.pid}_${Date.now().toString(36)}`;
  let store: Store;
  if (kind === 'postgres') {
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    await client.query(`CREATE SCHEMA "${schema}"`);
    await client.end();
    store = postgresStore({ url: PG_URL, schemaName: schema });
  } else store = sqliteStore({ filename: kept ?? join(dir!, 'bench.db') });
  const reuse = !!kept && existsSync(kept);
  await store.migrate();
  const crm = createCrm({ store });
  const t0 = performance.now();
  let op: Operator | undefined = reuse ? (await crm.operators.list({ limit: 100 })).items.find((o) => o.email === OPERATOR) : undefined;
  if (!op) op = await fill(crm, store, items);
  const seedSeconds = (performance.now() - t0) / 1000;
  const { token } = await crm.operators.createToken(op.id);
  const count = await store.count('timeline');
  const file = kind === 'sqlite' ? (kept ?? join(dir!, 'bench.db')) : null;
  const size = file ? `; database ${(statSync(file).size / 1e6).toFixed(0)} MB` : '';
  return {
    kind,
    crm,
    store,
    token,
    items: count,
    seedSeconds,
    where: file ?? schema,
    describe: `${kind}: ${count.toLocaleString('en')} timeline items (${Math.round(count / 5).toLocaleString('en')} on ZEFIR), ${reuse ? `reused ${file}` : `seeded in ${seedSeconds.toFixed(1)} s`}${size}`,
    async dispose() {
      await crm.close();
      if (dir) rmSync(dir, { recursive: true, force: true });
      if (kind === 'postgres') {
        const client = new pg.Client({ connectionString: PG_URL });
        await client.connect();
        await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        await client.end();
      }
    },
  };
}

async function fill(crm: Crm, store: Store, items: number): Promise<Operator> {
  const op = await crm.operators.create({ name: 'Bench Operator', email: OPERATOR });
  const other = await crm.operators.create({ name: 'Other Operator', email: 'other@firma.pl' });
  const as = crm.as(op.id);
  // The partner under test holds a fifth of the timeline; the rest is spread over other partners.
  const zefir = await as.partners.create({ code: 'ZEFIR', name: 'Zefir J. Nowak i E. Nowak', emailDomains: ['zefir.pl'] });
  const jan = await as.persons.create({ partnerId: zefir.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['jan.fiszka@zefir.pl'] });
  const taskIds: string[] = [];
  for (let i = 0; i < 40; i++) {
    const t = await as.tasks.create({
      subject: `Zadanie ${i}`,
      personId: jan.id,
      ownerId: i % 5 === 0 ? other.id : op.id,
      private: i % 10 === 0,
      dueAt: new Date(Date.now() + (i - 20) * 86_400_000),
      stages: [{ subject: 'A' }, { subject: 'B' }],
    });
    taskIds.push(t.id);
  }
  const partnerIds = [zefir.id];
  for (let i = 1; i < PARTNERS; i++) partnerIds.push((await as.partners.create({ code: `P${i}`, name: `Partner ${i}`, emailDomains: [`p${i}.example`] })).id);

  const start = Date.UTC(2020, 0, 1);
  const span = Date.now() - start;
  const batch: TimelineItem[] = [];
  const flush = async () => {
    await store.createMany('timeline', batch);
    batch.length = 0;
  };
  for (let i = 0; i < items; i++) {
    const mine = i % 5 === 0;
    const at = new Date(start + Math.floor((i / items) * span));
    const kind = i % 3 === 0 ? 'email.received' : i % 3 === 1 ? 'task.created' : 'entry.note';
    batch.push({
      id: newId(at.getTime()),
      version: 1,
      partnerId: mine ? zefir.id : partnerIds[1 + (i % (PARTNERS - 1))]!,
      personId: mine ? jan.id : null,
      at,
      kind,
      subjectType: kind === 'email.received' ? 'email' : 'task',
      subjectId: kind === 'email.received' ? newId(at.getTime()) : taskIds[i % taskIds.length]!,
      title: `${kind} #${i}`,
      actorId: op.id,
      data: kind === 'email.received' ? { from: 'jan.fiszka@zefir.pl' } : { taskNumber: `${i}` },
    });
    if (batch.length === 5000) await flush();
  }
  await flush();
  return op;
}

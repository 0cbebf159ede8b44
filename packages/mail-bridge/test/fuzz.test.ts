import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { createCrm, memoryBlobStore, memoryStore, type Crm } from '@rapport/core';
import { MailPipeline } from '../src/pipeline.js';
import { ParsePool } from '../src/parse-pool.js';
import { emptyReport, type SyncReport } from '../src/report.js';
import { CORPUS, corpusFiles } from './support/corpus.js';
import { malformedMessages } from './support/malformed.js';
import { rfc822 } from './support/messages.js';
import { mutants } from './support/mutate.js';

/**
 * Hostile mail never stops an import: every message of the project's own fixtures and of the
 * public corpus (../shared/corpus beside the clone, when it is there), and seeded mutants of
 * them, is imported or quarantined — no crash, no hang, through both parse paths (the worker
 * thread of IMAP batches, and the streamed parse of mbox/.eml files).
 * FUZZ_SEED and FUZZ_COUNT reproduce or widen a run.
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261130);
const COUNT = Number(process.env.FUZZ_COUNT ?? 300);
/** Mutants stop being generated after this long, so a slow machine still finishes in time. */
const BUDGET_MS = 25_000;
/** One message taking this long counts as a hang. */
const HANG_MS = 10_000;

function seeds(): Array<{ name: string; raw: Buffer }> {
  const own = [
    ...malformedMessages().map((m) => ({ name: m.name, raw: m.raw })),
    { name: 'plain', raw: Buffer.from(rfc822({ messageId: '<plain@zefir.test>', cc: 'Ola <ola@x.test>', references: '<r1@x> <r2@x>' })) },
  ];
  return [...corpusFiles().map((path) => ({ name: relative(CORPUS!, path), raw: readFileSync(path) })), ...own];
}

const timeout = (ms: number) => new Promise<'hang'>((resolve) => setTimeout(() => resolve('hang'), ms).unref());

interface Run {
  report: SyncReport;
  crashes: string[];
  hangs: string[];
  count: number;
}

/** Runs messages through a pipeline: in groups of ten via the worker (as IMAP does), or one by one as streams (as files do). */
async function run(crm: Crm, messages: Iterable<{ name: string; raw: Buffer }>, mode: 'batch' | 'stream', budgetMs = Infinity): Promise<Run> {
  const report = emptyReport();
  const pool = mode === 'batch' ? new ParsePool() : null;
  const pipeline = new MailPipeline(crm, report, { unknownSenders: 'prospect' }, pool);
  const out: Run = { report, crashes: [], hangs: [], count: 0 };
  const started = Date.now();
  let group: Array<{ name: string; raw: Buffer }> = [];
  const guard = async (names: string, work: () => Promise<unknown>) => {
    try {
      if ((await Promise.race([work(), timeout(HANG_MS)])) === 'hang') out.hangs.push(names);
    } catch (err) {
      out.crashes.push(`${names}: ${(err as Error)?.stack ?? String(err)}`);
    }
  };
  const flush = async () => {
    const items = group.map((m, i) => ({ raw: m.raw, source: { account: 'fuzz', mailbox: mode, uidValidity: 1, uid: out.count - group.length + i + 1 } }));
    const names = group.map((m) => m.name).join(', ');
    group = [];
    await guard(names, async () => pipeline.ingestBatch(items, await Promise.all(items.map((i) => pipeline.preparse(i.raw)!))));
  };
  try {
    for (const m of messages) {
      if (Date.now() - started > budgetMs) break;
      out.count++;
      if (mode === 'batch') {
        group.push(m);
        if (group.length === 10) await flush();
      } else {
        // Chunks of 1 KB: boundaries and header ends fall between chunks, as they do in files.
        const chunks = Array.from({ length: Math.ceil(m.raw.length / 1024) }, (_, i) => m.raw.subarray(i * 1024, (i + 1) * 1024));
        await guard(m.name, () => pipeline.ingestRaw(Readable.from(chunks), { account: 'fuzz', mailbox: mode, uidValidity: 1, uid: out.count }));
      }
    }
    if (group.length) await flush();
  } finally {
    await pool?.close();
  }
  return out;
}

function expectAllAccountedFor(r: Run) {
  expect(r.crashes).toEqual([]);
  expect(r.hangs).toEqual([]);
  const { report } = r;
  expect(report.fetched).toBe(r.count);
  expect(report.imported + report.duplicates + report.skipped + report.quarantined).toBe(r.count);
  for (const q of report.quarantine) expect(q.reason).toMatch(/\w/);
}

const crms: Crm[] = [];
afterAll(async () => {
  for (const crm of crms) await crm.close();
});
function newCrm() {
  const crm = createCrm({ store: memoryStore(), blobs: memoryBlobStore(), mail: { ownDomains: ['firma.test'] } });
  crms.push(crm);
  return crm;
}

describe(`hostile mail (${CORPUS ? "the public corpus and the project's own fixtures" : "the project's own fixtures"}, seed ${SEED})`, () => {
  // The streamed path over the corpus is files.test.ts's (importEml).
  it('every message of the corpus is imported or quarantined (batches on the worker thread)', async () => {
    const corpus = seeds();
    const r = await run(newCrm(), corpus, 'batch');
    expectAllAccountedFor(r);
    expect(r.count).toBe(corpus.length);
  });

  it.each(['batch', 'stream'] as const)(
    'mutants (truncations, byte flips, duplicated and giant headers, deep nesting, broken base64 and charsets): 0 crashes, 0 hangs, each one imported or quarantined (%s)',
    async (mode) => {
      const crm = newCrm();
      const r = await run(crm, mutants(seeds(), SEED + (mode === 'batch' ? 0 : 1), COUNT / 2), mode, BUDGET_MS / 2);
      console.log(
        `fuzz ${mode}: ${r.count} mutants, ${r.report.imported} imported, ${r.report.duplicates} duplicates, ${r.report.skipped} skipped, ${r.report.quarantined} quarantined`,
      );
      expectAllAccountedFor(r);
      // What the report says was quarantined is in the CRM's quarantine, with its reason.
      const stored = await crm.emails.quarantined({ account: 'fuzz', limit: 1000 });
      expect(stored.items.length).toBe(r.report.quarantined);
    },
    60_000,
  );
});

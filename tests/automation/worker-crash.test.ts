/**
 * Reliability of the worker with real processes: `rapport worker` killed with SIGKILL in the
 * middle of 2,000 due e-mails, two workers on one PostgreSQL database, an SMTP server that is
 * down for a while. The SMTP server is the sink process of tests/support (ports 4410-4419).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm, createScheduler, messageIdFor, type Crm } from '@rapport/core';
import { smtpMailer } from '@rapport/mail-bridge';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';
import { spawnCli, type CliProcess } from '../support/cli.js';
import { startSmtpSink } from '../support/smtp.js';

const PG_BASE_URL = process.env.RAPPORT_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
// A database of its own per run: the worker CLI uses the public schema, and two runs (two worktrees) must not share it.
const PG_DB = `test_scheduler_${process.pid}_${Date.now().toString(36)}`;
const PG_DB_URL = PG_BASE_URL.replace(/\/[^/]*$/, `/${PG_DB}`);

async function pgAdmin(sql: string) {
  const admin = new pg.Client({ connectionString: PG_BASE_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-worker-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Schedules `n` due `mail.send` jobs, in transactions of 200. */
async function seed(crm: Crm, n: number, at: Date) {
  for (let i = 0; i < n; i += 200) {
    await Promise.all(
      Array.from({ length: Math.min(200, n - i) }, (_, j) =>
        crm.scheduler.schedule({
          kind: 'mail.send',
          key: `due:${i + j}`,
          at,
          payload: { message: { from: 'crm@firma.pl', to: `p${i + j}@example.com`, subject: `Reminder ${i + j}`, text: 'Due today.' } },
        }),
      ),
    );
  }
}

const expectedIds = (n: number, at: Date) => Array.from({ length: n }, (_, i) => messageIdFor(`mail.send:due:${i}:${at.toISOString()}`, 'firma.pl'));

function worker(db: string, port: number, args: string[]): CliProcess {
  // node itself runs the CLI (tsx as a loader): a SIGKILL reaches the CLI, not a wrapper that would leave it running.
  return spawnCli(['worker', '--db', db, '--json', ...args], {
    env: { RAPPORT_SMTP_HOST: '127.0.0.1', RAPPORT_SMTP_PORT: String(port), RAPPORT_SMTP_TLS: 'none', RAPPORT_SMTP_FROM: 'crm@firma.pl' },
  });
}

async function until(what: string, ok: () => boolean | Promise<boolean>, timeoutMs = 120_000) {
  for (const start = Date.now(); !(await ok()); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
}

/** Delivered messages counted by Message-ID: every expected one present, and how many arrived again. */
function tally(received: Array<{ messageId: string | null }>, expected: string[]) {
  const ids = received.map((r) => r.messageId);
  const distinct = new Set(ids);
  return { received: ids.length, distinct: distinct.size, missing: expected.filter((id) => !distinct.has(id)).length, repeats: ids.length - distinct.size };
}

describe('rapport worker, killed and restarted', () => {
  it('SIGKILL in the middle of 2,000 due e-mails: after a restart every one is delivered, none twice by Message-ID', { timeout: 300_000 }, async () => {
    const sink = await startSmtpSink(4410, join(dir, 'kill.jsonl'));
    const file = join(dir, 'kill.db');
    const at = new Date(Date.now() - 60_000);
    const seedStore = sqliteStore({ filename: file });
    await seedStore.migrate();
    const seeding = createCrm({ store: seedStore });
    await seed(seeding, 2000, at);
    await seeding.close();
    try {
      const first = worker(`sqlite:${file}`, 4410, ['--poll-ms', '50', '--lease-seconds', '2']);
      await until('the first worker to deliver 600 messages', () => sink.received().length >= 600 || first.child.exitCode !== null);
      first.child.kill('SIGKILL');
      await first.exited;
      const atKill = sink.received().length;
      expect(atKill).toBeLessThan(2000);
      // Leases of the killed worker expire after 2 s; then a worker takes over what it held.
      await new Promise((r) => setTimeout(r, 2500));
      const second = worker(`sqlite:${file}`, 4410, ['--once', '--lease-seconds', '2']);
      expect(await second.exited, second.stderr()).toBe(0);
      const report = JSON.parse(second.stdout().trim().split('\n').pop()!) as { outbox: Record<string, number>; jobs: Record<string, number> };
      expect(report.outbox, `${second.stdout()}\n${second.stderr()}`).toMatchObject({ sent: 2000, pending: 0, sending: 0, dead: 0 });
      expect(report.jobs).toMatchObject({ done: 2000, running: 0, dead: 0 });
      const t = tally(sink.received(), expectedIds(2000, at));
      console.log(`SIGKILL after ${atKill} messages: ${JSON.stringify(t)}`);
      expect(t).toMatchObject({ distinct: 2000, missing: 0 });
      // Only messages in flight at the kill (taken by the server, not yet marked sent) can come again.
      expect(t.repeats).toBeLessThanOrEqual(16);
    } finally {
      await sink.stop();
    }
  });
});

describe('two workers on one PostgreSQL database', () => {
  it('deliver 1,000 due e-mails between them, each exactly once', { timeout: 300_000 }, async () => {
    await pgAdmin(`CREATE DATABASE ${PG_DB}`);
    const sink = await startSmtpSink(4411, join(dir, 'pg.jsonl'));
    const store = postgresStore({ url: PG_DB_URL });
    await store.migrate();
    const crm = createCrm({ store });
    const at = new Date(Date.now() - 60_000);
    try {
      await seed(crm, 1000, at);
      const a = worker(PG_DB_URL, 4411, ['--once', '--worker-id', 'a', '--batch-size', '50']);
      const b = worker(PG_DB_URL, 4411, ['--once', '--worker-id', 'b', '--batch-size', '50']);
      expect(await a.exited, a.stderr()).toBe(0);
      expect(await b.exited, b.stderr()).toBe(0);
      // A worker whose --once pass ended while the other still held leases leaves nothing behind: run one more.
      const status = await crm.scheduler.status({ limit: 0 });
      expect(status.jobs).toMatchObject({ done: 1000, dead: 0 });
      expect(status.outbox).toMatchObject({ sent: 1000, dead: 0 });
      const reports = [a, b].map(
        (w) => JSON.parse(w.stdout().trim().split('\n').pop()!) as { report: { jobs: { completed: number }; deliveries: { sent: number } } },
      );
      console.log(`two workers: ${JSON.stringify(reports.map((r) => ({ jobs: r.report.jobs.completed, sent: r.report.deliveries.sent })))}`);
      expect(reports.reduce((n, r) => n + r.report.jobs.completed, 0)).toBe(1000);
      expect(reports.reduce((n, r) => n + r.report.deliveries.sent, 0)).toBe(1000);
      const t = tally(sink.received(), expectedIds(1000, at));
      expect(t).toEqual({ received: 1000, distinct: 1000, missing: 0, repeats: 0 });
    } finally {
      await crm.close();
      await sink.stop();
      await pgAdmin(`DROP DATABASE IF EXISTS ${PG_DB}`);
    }
  });
});

describe('SMTP server down for a while', () => {
  it('deliveries fail and back off while it is down, and all arrive once it is back; none is lost or dead', { timeout: 120_000 }, async () => {
    const crm = createCrm({ store: sqliteStore({ filename: join(dir, 'down.db') }) });
    await crm.store.migrate();
    const at = new Date(Date.now() - 1000);
    await seed(crm, 50, at);
    const mailer = smtpMailer({ host: '127.0.0.1', port: 4412, tls: 'none', timeoutSeconds: 2 });
    const scheduler = createScheduler(crm, { mailer, deliveryRetry: { baseMs: 3000, maxMs: 3000 } });
    try {
      const down = await scheduler.runOnce();
      expect(down.jobs.completed).toBe(50);
      expect(down.deliveries).toMatchObject({ sent: 0, retried: 50, dead: 0 });
      const waiting = (await crm.scheduler.status()).outbox;
      expect(waiting).toMatchObject({ pending: 50, sent: 0 });
      const sink = await startSmtpSink(4412, join(dir, 'down.jsonl'));
      try {
        await until('every delivery to be sent', async () => {
          await scheduler.runOnce();
          return (await crm.scheduler.status({ limit: 0 })).outbox.sent === 50;
        });
        expect((await crm.scheduler.status({ limit: 0 })).outbox).toMatchObject({ sent: 50, dead: 0, pending: 0 });
        expect(tally(sink.received(), expectedIds(50, at))).toEqual({ received: 50, distinct: 50, missing: 0, repeats: 0 });
      } finally {
        await sink.stop();
      }
    } finally {
      await mailer.close!();
      await crm.close();
    }
  });
});

/**
 * Notification rules with real processes: `rapport worker` killed with SIGKILL while it sends the
 * e-mails an automatic rule decided for 300 completed complaints, then restarted. The SMTP server
 * is the sink process of tests/support (ports 21200-21209).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm, messageIdFor, where, type OutboxEntry } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';
import { startSmtpSink } from '../support/smtp.js';

const root = join(import.meta.dirname, '..', '..');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-rules-worker-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function worker(db: string, port: number, args: string[]): { child: ChildProcess; exited: Promise<number | null>; stderr: () => string; stdout: () => string } {
  // node runs the CLI itself (tsx as a loader), so a SIGKILL reaches the worker, not a wrapper.
  const child = spawn(process.execPath, ['--import', 'tsx', join(root, 'packages/cli/src/main.ts'), 'worker', '--db', db, '--json', ...args], {
    cwd: root,
    env: { ...process.env, RAPPORT_SMTP_HOST: '127.0.0.1', RAPPORT_SMTP_PORT: String(port), RAPPORT_SMTP_TLS: 'none', RAPPORT_SMTP_FROM: 'crm@firma.pl' },
  });
  let stderr = '';
  let stdout = '';
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.on('data', (d) => (stdout += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stderr: () => stderr, stdout: () => stdout };
}

async function until(what: string, ok: () => boolean, timeoutMs = 120_000) {
  for (const start = Date.now(); !ok(); await new Promise((r) => setTimeout(r, 100))) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
}

describe('an automatic rule across a worker SIGKILL and restart', () => {
  it(
    'e-mails the owner and the contact person of each of 300 completed complaints once: none missing, repeats only of messages in flight',
    { timeout: 300_000 },
    async () => {
      const sink = await startSmtpSink(21200, join(dir, 'rules.jsonl'));
      const file = join(dir, 'rules.db');
      const store = sqliteStore({ filename: file });
      await store.migrate();
      const crm = createCrm({ store });
      const n = 300;
      try {
        const ewa = await crm.operators.create({ name: 'Ewa', email: 'ewa@firma.pl' });
        const complaints = await crm.registers.create({ code: 'REK', name: 'Complaints', numberPattern: 'REK/{seq:4}' });
        const zefir = await crm.partners.create({ code: 'ZEFIR', name: 'Zefir' });
        await crm.persons.create({ partnerId: zefir.id, firstName: 'Jan', lastName: 'Fiszka', emails: ['jan@zefir.pl'] });
        const template = await crm.templates.create({
          name: 'Complaint done',
          channel: 'email',
          recordKind: 'task',
          language: 'en',
          subject: 'Complaint {{ task.number }} is closed',
          body: 'Dear {{ recipient.name }}, your complaint "{{ task.subject }}" is closed.',
        });
        await crm.rules.create({
          name: 'Complaint done',
          on: 'task.status_changed',
          filter: where.and(where.eq('registerId', complaints.id), where.eq('status', 'done')),
          recipients: [{ owner: true }, { contacts: true }],
          channel: 'email',
          templateId: template.id,
        });
        for (let i = 0; i < n; i++) {
          const task = await crm.tasks.create({ subject: `Complaint ${i}`, registerId: complaints.id, partnerId: zefir.id, ownerId: ewa.id });
          await crm.tasks.complete(task.id);
        }
        // One job per completed complaint, written with the completion.
        expect(await crm.store.count('jobs', where.eq('kind', 'rule.event'))).toBe(n);

        const first = worker(`sqlite:${file}`, 21200, ['--poll-ms', '50', '--lease-seconds', '2', '--batch-size', '20']);
        await until('the first worker to deliver 150 messages', () => sink.received().length >= 150 || first.child.exitCode !== null);
        first.child.kill('SIGKILL');
        await first.exited;
        const atKill = sink.received().length;
        expect(atKill).toBeLessThan(2 * n);
        await new Promise((r) => setTimeout(r, 2500));
        const second = worker(`sqlite:${file}`, 21200, ['--once', '--lease-seconds', '2']);
        expect(await second.exited, second.stderr()).toBe(0);
        const report = JSON.parse(second.stdout().trim().split('\n').pop()!) as { outbox: Record<string, number>; jobs: Record<string, number> };
        const stuck = (await crm.store.find<OutboxEntry>('outbox', { where: where.ne('status', 'sent'), limit: 2 })).items;
        expect(report.outbox, `${JSON.stringify(stuck)}\n${second.stderr()}`).toMatchObject({ sent: 2 * n, pending: 0, sending: 0, dead: 0 });
        expect(report.jobs).toMatchObject({ running: 0, dead: 0 });

        const rows = (await crm.store.find<OutboxEntry>('outbox', { where: where.eq('channel', 'email'), limit: 1000 })).items;
        expect(rows).toHaveLength(2 * n);
        expect(new Set(rows.map((r) => (r.payload as { to: string }).to))).toEqual(new Set(['ewa@firma.pl', 'jan@zefir.pl']));
        const expected = rows.map((r) => messageIdFor(r.key, 'firma.pl'));
        const ids = sink.received().map((r) => r.messageId);
        const distinct = new Set(ids);
        const t = {
          received: ids.length,
          distinct: distinct.size,
          missing: expected.filter((id) => !distinct.has(id)).length,
          repeats: ids.length - distinct.size,
        };
        console.log(`rules: SIGKILL after ${atKill} messages: ${JSON.stringify(t)}`);
        expect(t).toMatchObject({ distinct: 2 * n, missing: 0 });
        expect(t.repeats).toBeLessThanOrEqual(16);
      } finally {
        await crm.close();
        await sink.stop();
      }
    },
  );
});

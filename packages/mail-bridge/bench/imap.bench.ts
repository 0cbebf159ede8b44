/**
 * Mail bridge benchmarks against a private local Dovecot (see test/support/dovecot.ts):
 *   1. 5,000 small messages, IMAP → SQLite end to end, vs imapflow fetch + mailparser alone;
 *   2. 200 messages with a 1.4 MB attachment: MB/s and peak RSS (child process);
 *   3. no-op re-sync of a 20,000-message mailbox.
 * Run: npm run bench -w @rapport/mail-bridge   (medians of RUNS runs, default 3, 5 for
 *   the small-message ratio after one uncounted warm-up run)
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { ImapFlow } from 'imapflow';
import { simpleParser } from 'mailparser';
import { createCrm, fsBlobStore, type Crm } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';
import { ImapSync } from '../src/index.js';
import { startDovecot, type Dovecot } from '../test/support/dovecot.js';
import { fillMaildir, rfc822 } from '../test/support/messages.js';

const here = dirname(fileURLToPath(import.meta.url));
const RUNS = Number(process.env.RUNS ?? 3);
/** The small-message ratio swings most from run to run: more runs for it. */
const SMALL_RUNS = Number(process.env.RUNS ?? 5);
/** ONLY=small|large|noop runs one of the three. */
const only = (name: string) => !process.env.ONLY || process.env.ONLY === name;
const USER = 'bench';
const PASS = 'bench-pass';
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function imap(d: Dovecot): Promise<ImapFlow> {
  const c = new ImapFlow({ host: d.host, port: d.port, secure: false, doSTARTTLS: false, auth: { user: USER, pass: PASS }, logger: false } as any);
  c.on('error', () => undefined);
  await c.connect();
  return c;
}

async function createBox(d: Dovecot, name: string) {
  const c = await imap(d);
  await c.mailboxCreate(name);
  // Let Dovecot assign UIDs to the Maildir files now, outside the timed runs.
  await c.logout();
}

async function touch(d: Dovecot, name: string) {
  const c = await imap(d);
  await c.status(name, { messages: true });
  await c.logout();
}

async function newCrm(dir: string, name: string): Promise<Crm> {
  const store = sqliteStore({ filename: join(dir, `${name}.db`) });
  await store.migrate();
  return createCrm({ store, blobs: fsBlobStore({ dir: join(dir, `${name}-blobs`) }) });
}

/** imapflow fetch of every message source in batches of 200 + simpleParser on each: the floor. */
async function fetchAndParse(d: Dovecot, box: string): Promise<number> {
  const c = await imap(d);
  const lock = await c.getMailboxLock(box, { readOnly: true });
  let n = 0;
  try {
    const uids = ((await c.search({ all: true }, { uid: true })) || []).sort((a, b) => a - b);
    for (let i = 0; i < uids.length; i += 200) {
      const batch = await c.fetchAll(uids.slice(i, i + 200).join(','), { uid: true, source: true }, { uid: true });
      for (const m of batch) {
        await simpleParser(m.source!);
        n++;
      }
    }
  } finally {
    lock.release();
    await c.logout();
  }
  return n;
}

const conn = (d: Dovecot, box: string) => ({ host: d.host, port: d.port, tls: 'none' as const, user: USER, password: PASS, mailboxes: [box] });

async function main() {
  const d = await startDovecot({ users: [{ user: USER, password: PASS }] });
  const dir = await mkdtemp(join(tmpdir(), 'rapport-bench-'));
  const rows: string[][] = [];
  try {
    // 1. 5,000 small messages.
    const SMALL = 5000;
    if (only('small')) {
      await createBox(d, 'Small');
      fillMaildir(
        d,
        USER,
        'Small',
        Array.from({ length: SMALL }, (_, i) =>
          rfc822({
            messageId: `<s${i}@zefir.test>`,
            subject: `Small ${i}`,
            from: `Person ${i % 300} <p${i % 300}@company${i % 40}.test>`,
            body: `Hello ${i}\r\n${'lorem ipsum dolor sit amet '.repeat(20)}`,
          }),
        ),
      );
      await touch(d, 'Small');
      const floor: number[] = [];
      const e2e: number[] = [];
      // Run -1 warms both paths up (JIT, page cache) and is not counted.
      for (let r = -1; r < SMALL_RUNS; r++) {
        let t = performance.now();
        const n = await fetchAndParse(d, 'Small');
        const floorRate = n / ((performance.now() - t) / 1000);
        const crm = await newCrm(dir, `small-${r}`);
        for (let p = 0; p < 40; p++) await crm.partners.create({ code: `C${p}`, name: `Company ${p}`, emailDomains: [`company${p}.test`] });
        t = performance.now();
        const report = await new ImapSync(crm, { ...conn(d, 'Small'), parseWorker: process.env.PARSE_WORKER !== '0' }).sync();
        const e2eRate = report.imported / ((performance.now() - t) / 1000);
        if (report.imported !== SMALL) throw new Error(`expected ${SMALL} imported, got ${JSON.stringify(report)}`);
        await crm.close();
        if (r < 0) {
          console.error(`small warm-up (cold JIT, new parse worker): floor ${floorRate.toFixed(0)} msg/s; end to end ${e2eRate.toFixed(0)} msg/s`);
          continue;
        }
        floor.push(floorRate);
        e2e.push(e2eRate);
      }
      console.error(`small runs: floor ${floor.map((x) => x.toFixed(0)).join(', ')} msg/s; end to end ${e2e.map((x) => x.toFixed(0)).join(', ')} msg/s`);
      rows.push(['5,000 small: imapflow fetch + simpleParser', `${median(floor).toFixed(0)} msg/s`, '']);
      rows.push([
        '5,000 small: ImapSync → SQLite (end to end)',
        `${median(e2e).toFixed(0)} msg/s`,
        `ratio ${(median(e2e) / median(floor)).toFixed(2)}× (target ≥ 0.6×)`,
      ]);
    }

    // 2. 200 messages with a 1.4 MB attachment, in a child process for a clean peak RSS.
    const LARGE = 200;
    if (only('large')) {
      await createBox(d, 'Large');
      const attachment = Buffer.alloc(1.4 * 1024 * 1024);
      for (let i = 0; i < attachment.length; i += 4) attachment.writeUInt32LE((i * 2654435761) >>> 0, Math.min(i, attachment.length - 4));
      const b64 = attachment
        .toString('base64')
        .match(/.{1,76}/g)!
        .join('\r\n');
      let bytes = 0;
      fillMaildir(
        d,
        USER,
        'Large',
        Array.from({ length: LARGE }, (_, i) => {
          const m = Buffer.from(
            [
              `From: big${i}@zefir.test`,
              'To: anna@firma.test',
              `Subject: large ${i}`,
              `Message-ID: <l${i}@zefir.test>`,
              'Content-Type: multipart/mixed; boundary="B"',
              '',
              '--B',
              'Content-Type: text/plain',
              '',
              `attachment ${i}`,
              '--B',
              `Content-Type: application/octet-stream; name="file${i}.bin"`,
              'Content-Transfer-Encoding: base64',
              '',
              b64.replace(/^A/, String.fromCharCode(65 + (i % 26))),
              '--B--',
              '',
            ].join('\r\n'),
          );
          bytes += m.length;
          return m;
        }),
      );
      await touch(d, 'Large');
      const mbps: number[] = [];
      const rss: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const proc = spawn(
          process.execPath,
          [
            '--import',
            'tsx',
            join(here, '..', '..', '..', 'tests', 'mail', 'sync-child.ts'),
            JSON.stringify({
              db: join(dir, `large-${r}.db`),
              blobs: join(dir, `large-${r}-blobs`),
              host: d.host,
              port: d.port,
              user: USER,
              password: PASS,
              mailbox: 'Large',
            }),
          ],
          { stdio: ['ignore', 'pipe', 'inherit'], cwd: join(here, '..', '..', '..') },
        );
        let out = '';
        proc.stdout.on('data', (c) => (out += c));
        const t = performance.now();
        await once(proc, 'exit');
        const result = JSON.parse(out.trim().split('\n').at(-1)!);
        if (result.report.imported !== LARGE) throw new Error(`large: ${JSON.stringify(result.report)}`);
        mbps.push(bytes / 1024 / 1024 / result.report.seconds);
        rss.push(result.peakRss / 1024 / 1024);
        void t;
      }
      rows.push([
        `${LARGE} × 1.4 MB attachment (${(bytes / 1024 / 1024).toFixed(0)} MB of mail)`,
        `${median(mbps).toFixed(1)} MB/s`,
        `peak RSS ${median(rss).toFixed(0)} MB (target < 250 MB)`,
      ]);
    }

    // 3. No-op re-sync of 20,000 messages.
    const HUGE = 20_000;
    if (only('noop')) {
      await createBox(d, 'Huge');
      fillMaildir(
        d,
        USER,
        'Huge',
        Array.from({ length: HUGE }, (_, i) => rfc822({ messageId: `<h${i}@zefir.test>`, subject: `h${i}` })),
      );
      await touch(d, 'Huge');
      const crm = await newCrm(dir, 'huge');
      const initial = await new ImapSync(crm, conn(d, 'Huge')).sync();
      if (initial.imported !== HUGE) throw new Error(`huge: ${JSON.stringify(initial)}`);
      const noop: number[] = [];
      for (let r = 0; r < RUNS; r++) {
        const t = performance.now();
        const report = await new ImapSync(crm, conn(d, 'Huge')).sync();
        noop.push((performance.now() - t) / 1000);
        if (report.fetched !== 0) throw new Error('no-op re-sync fetched messages');
      }
      await crm.close();
      rows.push([
        `no-op re-sync of ${HUGE.toLocaleString('en')} messages (connect + STATUS)`,
        `${median(noop).toFixed(3)} s`,
        `first sync ${initial.seconds.toFixed(1)} s (${(HUGE / initial.seconds).toFixed(0)} msg/s); target < 1 s`,
      ]);
    }
  } finally {
    await d.stop();
    await rm(dir, { recursive: true, force: true });
  }
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => r[i]!.length), 6));
  console.log(`\nmail-bridge benchmark (medians of ${SMALL_RUNS} runs for small messages, ${RUNS} for the others; Node ${process.version})\n`);
  for (const r of rows) console.log(r.map((c, i) => c.padEnd(widths[i]!)).join('  '));
}

await main();

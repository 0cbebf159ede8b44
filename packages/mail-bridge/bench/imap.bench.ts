/**
 * IMAP benchmarks against a private local Dovecot (test/support/dovecot.ts):
 *   - 5,000 small messages → SQLite: ImapSync vs an equal-work floor (same batches, same parse
 *     worker, no CRM), warm (in process, after a warm-up) and cold (fresh processes: the CLI as a
 *     user runs it, store open/migrate/close included, vs the floor in a fresh process), peak RSS
 *     from the OS; anchor: mbsync (Debian `isync`) pulling the same mailbox into a Maildir;
 *   - 200 messages with a 1.4 MB attachment: MB/s and peak RSS;
 *   - no-op re-sync of 20,000 messages;
 *   - re-sync after one expunge in a 100,000-message mailbox: QRESYNC VANISHED, and the UID diff.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newId, type EmailLocation } from '@rapport/core';
import { ImapSync } from '../src/index.js';
import { sharedParsePool } from '../src/parse-pool.js';
import { startDovecot, type Dovecot } from '../test/support/dovecot.js';
import { fillMaildir, rfc822 } from '../test/support/messages.js';
import { fetchAndParse, imapClient } from './imap-floor.js';
import { fmtRate, median, newCrm, only, rate, RUNS, runChild, type Row } from './support.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const USER = 'bench';
const PASS = 'bench-pass';

async function createBox(d: Dovecot, name: string) {
  const c = await imapClient(conn(d));
  await c.mailboxCreate(name);
  await c.logout();
}

/** Lets Dovecot assign UIDs to Maildir files now, outside the timed runs. */
async function touch(d: Dovecot, name: string) {
  const c = await imapClient(conn(d));
  await c.status(name, { messages: true });
  await c.logout();
}

const conn = (d: Dovecot) => ({ host: d.host, port: d.port, user: USER, password: PASS });
const syncOptions = (d: Dovecot, box: string) => ({ ...conn(d), tls: 'none' as const, mailboxes: [box] });

async function smallRows(d: Dovecot, dir: string): Promise<Row[]> {
  const SMALL = 5000;
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
  const warm: number[] = [];
  // Run -1 warms both paths up (JIT, page cache, the parse worker) and is not counted.
  for (let r = -1; r < RUNS; r++) {
    let t = performance.now();
    // The floor gets the product's own shared worker, warmed up exactly as much.
    const n = await fetchAndParse(conn(d), 'Small', sharedParsePool());
    const floorRate = rate(n, performance.now() - t);
    const crm = await newCrm(dir, `small-${r}`);
    t = performance.now();
    const report = await new ImapSync(crm, syncOptions(d, 'Small')).sync();
    const warmRate = rate(report.imported, performance.now() - t);
    if (report.imported !== SMALL) throw new Error(`expected ${SMALL} imported, got ${JSON.stringify(report).slice(0, 300)}`);
    await crm.close();
    if (r < 0) continue;
    floor.push(floorRate);
    warm.push(warmRate);
  }
  console.error(`imap small warm: floor ${floor.map((x) => x.toFixed(0)).join(', ')}; product ${warm.map((x) => x.toFixed(0)).join(', ')} msg/s`);

  // Cold: fresh processes, timed from outside, peak RSS from /usr/bin/time.
  const coldFloor: Array<{ ms: number; rss: number | null }> = [];
  const coldCli: Array<{ ms: number; rss: number | null }> = [];
  for (let r = 0; r < RUNS; r++) {
    const f = await runChild(process.execPath, ['--import', 'tsx', join(here, 'floor-child.ts'), JSON.stringify({ ...conn(d), mailbox: 'Small' })], {}, root);
    coldFloor.push({ ms: f.ms, rss: f.peakRssMb });
    const db = join(dir, `cold-${r}.db`);
    const cli = await runChild(
      process.execPath,
      [
        join(root, 'packages/cli/bin/rapport.js'),
        'import',
        'imap',
        '--db',
        `sqlite:${db}`,
        '--json',
        '--host',
        d.host,
        '--port',
        String(d.port),
        '--no-tls',
        '--user',
        USER,
        '--password-env',
        'BENCH_PW',
        '--mailbox',
        'Small',
      ],
      { BENCH_PW: PASS },
      root,
    );
    const report = JSON.parse(cli.stdout) as { imported: number };
    if (report.imported !== SMALL) throw new Error(`cold CLI imported ${report.imported}`);
    coldCli.push({ ms: cli.ms, rss: cli.peakRssMb });
  }
  const rssOf = (xs: Array<{ rss: number | null }>) => (xs[0]?.rss === null ? 'n/a' : `${median(xs.map((x) => x.rss!)).toFixed(0)} MB`);
  const coldFloorRate = rate(SMALL, median(coldFloor.map((x) => x.ms)));
  const coldCliRate = rate(SMALL, median(coldCli.map((x) => x.ms)));
  const rows: Row[] = [
    ['IMAP 5,000 small: floor (fetch + same parse worker), warm', fmtRate(median(floor)), '', 'in process: see cold'],
    [
      'IMAP 5,000 small: ImapSync → SQLite, warm',
      fmtRate(median(warm)),
      `ratio ${(median(warm) / median(floor)).toFixed(2)}× of the floor (target ≥ 0.8×)`,
      'in process: see cold',
    ],
    ['IMAP 5,000 small: floor in a fresh process, cold', fmtRate(coldFloorRate), '', rssOf(coldFloor)],
    [
      'IMAP 5,000 small: `rapport import imap` (fresh CLI, store open/migrate/close), cold',
      fmtRate(coldCliRate),
      `ratio ${(coldCliRate / coldFloorRate).toFixed(2)}× of the cold floor`,
      rssOf(coldCli),
    ],
  ];

  // Anchor: mbsync pulling the same mailbox into a Maildir.
  if (spawnSync('sh', ['-c', 'command -v mbsync']).status !== 0) {
    rows.push(['mbsync anchor', 'skipped', 'mbsync not installed (apt-get install isync)']);
  } else {
    const version = /isync (\d+)\.(\d+)/.exec(spawnSync('mbsync', ['--version']).stdout.toString());
    const tlsKeyword = version && (Number(version[1]) > 1 || Number(version[2]) >= 5) ? 'TLSType' : 'SSLType';
    const times: number[] = [];
    const peaks: Array<{ rss: number | null }> = [];
    // An anchor that fails (an mbsync that reads its configuration differently) is a row, not the end of the run.
    try {
      for (let r = 0; r < RUNS; r++) {
        const target = join(dir, `mbsync-${r}`);
        mkdirSync(target, { recursive: true });
        const rc = join(dir, `mbsyncrc-${r}`);
        writeFileSync(
          rc,
          [
            'IMAPAccount bench',
            `Host ${d.host}`,
            `Port ${d.port}`,
            `User ${USER}`,
            `Pass ${PASS}`,
            // isync 1.5 renamed SSLType to TLSType (Debian bookworm has 1.4.4).
            `${tlsKeyword} None`,
            'AuthMechs LOGIN',
            '',
            'IMAPStore remote',
            'Account bench',
            '',
            'MaildirStore local',
            `Path ${target}/`,
            `Inbox ${target}/INBOX`,
            '',
            'Channel pull',
            'Far :remote:',
            'Near :local:',
            'Patterns Small',
            'Create Near',
            'Sync Pull',
            'SyncState *',
            '',
          ].join('\n'),
        );
        const run = await runChild('mbsync', ['-q', '-c', rc, 'pull']);
        times.push(run.ms);
        peaks.push({ rss: run.peakRssMb });
        // Messages are the files of the Maildir's cur/ and new/ folders, wherever mbsync put the folder.
        const pulled = (readdirSync(target, { recursive: true }) as string[]).filter((f) => /(^|\/)(cur|new)\/[^/]+$/.test(f)).length;
        if (pulled !== SMALL) throw new Error(`mbsync pulled ${pulled} messages into ${target}`);
      }
      const mbsyncRate = rate(SMALL, median(times));
      rows.push([
        'IMAP 5,000 small: mbsync into a Maildir, fresh process (anchor)',
        fmtRate(mbsyncRate),
        `rapport cold is ${(coldCliRate / mbsyncRate).toFixed(2)}× mbsync, the cold floor ${(coldFloorRate / mbsyncRate).toFixed(2)}×`,
        rssOf(peaks),
      ]);
    } catch (err) {
      rows.push(['mbsync anchor', 'failed', (err as Error).message.slice(0, 200)]);
    }
  }
  return rows;
}

async function largeRows(d: Dovecot, dir: string): Promise<Row[]> {
  const LARGE = 200;
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
    const run = await runChild(
      process.execPath,
      [
        '--import',
        'tsx',
        join(root, 'tests', 'mail', 'sync-child.ts'),
        JSON.stringify({ db: join(dir, `large-${r}.db`), blobs: join(dir, `large-${r}-blobs`), ...conn(d), mailbox: 'Large' }),
      ],
      {},
      root,
    );
    const result = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { report: { imported: number; seconds: number } };
    if (result.report.imported !== LARGE) throw new Error(`large: ${JSON.stringify(result.report)}`);
    mbps.push(bytes / 1024 / 1024 / result.report.seconds);
    if (run.peakRssMb !== null) rss.push(run.peakRssMb);
  }
  return [
    [
      `${LARGE} × 1.4 MB attachment (${(bytes / 1024 / 1024).toFixed(0)} MB of mail)`,
      `${median(mbps).toFixed(1)} MB/s`,
      'peak RSS target < 250 MB',
      rss.length ? `${median(rss).toFixed(0)} MB` : 'n/a',
    ],
  ];
}

async function noopRows(d: Dovecot, dir: string): Promise<Row[]> {
  const HUGE = 20_000;
  await createBox(d, 'Huge');
  fillMaildir(
    d,
    USER,
    'Huge',
    Array.from({ length: HUGE }, (_, i) => rfc822({ messageId: `<h${i}@zefir.test>`, subject: `h${i}` })),
  );
  await touch(d, 'Huge');
  const crm = await newCrm(dir, 'huge');
  const initial = await new ImapSync(crm, syncOptions(d, 'Huge')).sync();
  if (initial.imported !== HUGE) throw new Error(`huge: ${JSON.stringify(initial).slice(0, 300)}`);
  const noop: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    const t = performance.now();
    const report = await new ImapSync(crm, syncOptions(d, 'Huge')).sync();
    noop.push((performance.now() - t) / 1000);
    if (report.fetched !== 0) throw new Error('no-op re-sync fetched messages');
  }
  await crm.close();
  return [
    [
      `no-op re-sync of ${HUGE.toLocaleString('en')} messages (connect + STATUS)`,
      `${median(noop).toFixed(3)} s`,
      `first sync ${initial.seconds.toFixed(1)} s (${(HUGE / initial.seconds).toFixed(0)} msg/s); target < 1 s`,
      'in process',
    ],
  ];
}

/**
 * One expunge in a 100k mailbox. The CRM's side (locations and checkpoint of every message) is
 * written straight into the store: the re-sync's cost does not depend on how they got there.
 */
async function expungeRows(d: Dovecot, dir: string): Promise<Row[]> {
  const N = Number(process.env.EXPUNGE_N ?? 100_000);
  const box = 'Expunge';
  await createBox(d, box);
  fillMaildir(
    d,
    USER,
    box,
    Array.from({ length: N }, (_, i) => `From: a@zefir.test\r\nSubject: e${i}\r\nMessage-ID: <e${i}@zefir.test>\r\n\r\nx\r\n`),
  );
  const c = await imapClient(conn(d));
  const status = await c.status(box, { messages: true, uidNext: true, uidValidity: true, highestModseq: true });
  if (!status) throw new Error(`no STATUS for ${box}`);
  const lock = await c.getMailboxLock(box, { readOnly: true });
  const uids = ((await c.search({ all: true }, { uid: true })) || []).sort((a, b) => a - b);
  lock.release();
  const crm = await newCrm(dir, 'expunge');
  const account = `imap:${USER}@${d.host}`;
  const uidValidity = Number(status.uidValidity);
  const now = new Date();
  for (let i = 0; i < uids.length; i += 5000) {
    const locations: EmailLocation[] = uids
      .slice(i, i + 5000)
      .map((uid) => ({ id: newId(), version: 1, emailId: newId(), account, mailbox: box, uidValidity, uid, deletedAt: null, createdAt: now }));
    await crm.store.createMany('email_locations', locations);
  }
  const checkpoint = (modseq: string | null, messages: number) =>
    crm.emails.saveCheckpoint({ account, mailbox: box, uidValidity, lastUid: uids.at(-1)!, highestModseq: modseq, uidNext: Number(status.uidNext), messages });
  const expungeOne = async (uid: number) => {
    const l = await c.getMailboxLock(box);
    await c.messageDelete(String(uid), { uid: true });
    l.release();
    const s = await c.status(box, { messages: true, highestModseq: true });
    if (!s) throw new Error(`no STATUS for ${box}`);
    return { messages: s.messages!, modseq: String(s.highestModseq) };
  };
  let current = { messages: N, modseq: String(status.highestModseq) };
  await checkpoint(current.modseq, current.messages);
  const qresync: number[] = [];
  const diff: number[] = [];
  const whole: number[] = [];
  for (let r = 0; r < RUNS; r++) {
    // QRESYNC: the checkpoint has the modseq from before the expunge.
    const before = current;
    current = await expungeOne(uids[Math.floor(((r + 1) * uids.length) / (RUNS + 2))]!);
    await checkpoint(before.modseq, before.messages);
    let t = performance.now();
    let report = await new ImapSync(crm, syncOptions(d, box)).sync();
    qresync.push(performance.now() - t);
    if (report.deletedOnServer !== 1) throw new Error(`QRESYNC run marked ${report.deletedOnServer}`);
    // No modseq in the checkpoint: the UID diff over ranges.
    const again = current;
    current = await expungeOne(uids[Math.floor(((r + 1.5) * uids.length) / (RUNS + 2))]!);
    await checkpoint(null, again.messages);
    t = performance.now();
    report = await new ImapSync(crm, syncOptions(d, box)).sync();
    diff.push(performance.now() - t);
    if (report.deletedOnServer !== 1) throw new Error(`diff run marked ${report.deletedOnServer}`);
    // What the re-sync did before: every known UID from the store, and SEARCH ALL.
    t = performance.now();
    const l = await c.getMailboxLock(box, { readOnly: true });
    await c.search({ all: true }, { uid: true });
    l.release();
    await crm.emails.knownUids(account, box, uidValidity);
    whole.push(performance.now() - t);
  }
  await c.logout();
  await crm.close();
  const s = (ms: number) => `${(ms / 1000).toFixed(3)} s`;
  return [
    [`re-sync after 1 expunge in ${N.toLocaleString('en')}: QRESYNC VANISHED`, s(median(qresync)), 'target < 1 s', 'in process'],
    [`re-sync after 1 expunge in ${N.toLocaleString('en')}: UID diff over ESEARCH ranges`, s(median(diff)), 'target < 1 s', 'in process'],
    [
      `  for reference: load every known UID + SEARCH ALL (the old way, before its per-row UPDATEs)`,
      s(median(whole)),
      `QRESYNC is ${(median(whole) / median(qresync)).toFixed(1)}× faster, the diff ${(median(whole) / median(diff)).toFixed(1)}×`,
    ],
  ];
}

export async function imapRows(dir: string): Promise<Row[]> {
  if (!['imap', 'large', 'noop', 'expunge'].some(only)) return [];
  const d = await startDovecot({ users: [{ user: USER, password: PASS }] });
  const rows: Row[] = [];
  try {
    if (only('imap')) rows.push(...(await smallRows(d, dir)));
    if (only('large')) rows.push(...(await largeRows(d, dir)));
    if (only('noop')) rows.push(...(await noopRows(d, dir)));
    if (only('expunge')) rows.push(...(await expungeRows(d, dir)));
  } finally {
    await d.stop();
  }
  return rows;
}

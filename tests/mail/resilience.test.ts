import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm, fsBlobStore, type Email } from '@rapport/core';
import { postgresStore, sqliteStore } from '@rapport/storage-adapters';
import { ImapSync } from '@rapport/mail-bridge';
import { createPgSchema, dropPgSchema, PG_URL, uniqueSchemaName } from '../../packages/storage-adapters/test/helpers.js';
import { fillMailbox, startDovecot, type Dovecot } from '../../packages/mail-bridge/test/support/dovecot.js';
import { fillMaildir, rfc822 } from '../../packages/mail-bridge/test/support/messages.js';

const here = dirname(fileURLToPath(import.meta.url));
let dovecot: Dovecot;
let dir: string;
const USER = 'bob';
const PASS = 'bob-pass';
beforeAll(async () => {
  dovecot = await startDovecot({ users: [{ user: USER, password: PASS }] });
  dir = await mkdtemp(join(tmpdir(), 'rapport-res-'));
});
afterAll(async () => {
  await dovecot?.stop();
  await rm(dir, { recursive: true, force: true });
});

const createMailbox = (name: string) => fillMailbox(dovecot, { user: USER, password: PASS }, name);

const connection = { host: '127.0.0.1', tls: 'none' as const, user: USER, password: PASS };

function child(config: Record<string, unknown>) {
  const proc = spawn(process.execPath, ['--import', 'tsx', join(here, 'sync-child.ts'), JSON.stringify(config)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: join(here, '..', '..'),
  });
  const lines: any[] = [];
  let stderr = '';
  let buf = '';
  proc.stdout.on('data', (d) => {
    buf += d.toString();
    let nl;
    while ((nl = buf.indexOf('\n')) >= 0) {
      lines.push(JSON.parse(buf.slice(0, nl)));
      buf = buf.slice(nl + 1);
    }
  });
  proc.stderr.on('data', (d) => (stderr += d.toString()));
  return { proc, lines, stderr: () => stderr };
}

describe('resilience', () => {
  it('SIGKILL in the middle of a large mailbox, then a re-run: every message exactly once', async () => {
    const box = 'Big';
    await createMailbox(box);
    const N = 3000;
    fillMaildir(
      dovecot,
      USER,
      box,
      Array.from({ length: N }, (_, i) => rfc822({ messageId: `<kill-${i}@zefir.test>`, subject: `m${i}` })),
    );
    const db = join(dir, 'kill.db');
    const blobs = join(dir, 'kill-blobs');
    const c = child({ db, blobs, ...connection, port: dovecot.port, mailbox: box, batchSize: 100 });
    const deadline = Date.now() + 60_000;
    while (!c.lines.some((l) => l.progress >= 1000) && Date.now() < deadline && c.proc.exitCode === null) await new Promise((r) => setTimeout(r, 10));
    expect(c.proc.exitCode, c.stderr()).toBeNull();
    c.proc.kill('SIGKILL');
    await once(c.proc, 'exit');
    expect(c.lines.some((l) => l.report)).toBe(false);

    const store = sqliteStore({ filename: db });
    await store.migrate();
    const crm = createCrm({ store, blobs: fsBlobStore({ dir: blobs }) });
    try {
      const before = await store.count('emails');
      expect(before).toBeGreaterThanOrEqual(900);
      expect(before).toBeLessThan(N);
      const report = await new ImapSync(crm, { ...connection, port: dovecot.port, mailboxes: [box] }).sync();
      expect(report.failed).toBe(0);
      expect(report.imported + report.duplicates).toBe(report.fetched);
      expect(await store.count('emails')).toBe(N);
      expect(await store.count('email_locations')).toBe(N);
      const keys = new Set<string>();
      let cursor: string | undefined;
      do {
        const page = await store.find<Email>('emails', { limit: 1000, ...(cursor ? { cursor } : {}) });
        for (const e of page.items) keys.add(e.messageKey);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(keys.size).toBe(N);
    } finally {
      await crm.close();
    }
  }, 180_000);

  it('two syncs of one mailbox at once on PostgreSQL store every message once', async () => {
    const box = 'Shared';
    await createMailbox(box);
    const N = 400;
    fillMaildir(
      dovecot,
      USER,
      box,
      Array.from({ length: N }, (_, i) =>
        rfc822({ messageId: `<pg-${i}@zefir.test>`, subject: `p${i}`, ...(i % 10 === 1 ? { inReplyTo: `<pg-${i - 1}@zefir.test>` } : {}) }),
      ),
    );
    const schemaName = uniqueSchemaName('mb');
    await createPgSchema(schemaName);
    const stores = [postgresStore({ url: PG_URL, schemaName }), postgresStore({ url: PG_URL, schemaName })];
    await stores[0]!.migrate();
    const crms = stores.map((store) => createCrm({ store, blobs: fsBlobStore({ dir: join(dir, 'pg-blobs') }) }));
    try {
      await crms[0]!.partners.create({ code: 'ZEFIR', name: 'Zefir', emailDomains: ['zefir.test'] });
      const reports = await Promise.all(
        crms.map((crm, i) => new ImapSync(crm, { ...connection, port: dovecot.port, mailboxes: [box], batchSize: 50 + i * 30 }).sync()),
      );
      for (const r of reports) expect(r.failed).toBe(0);
      expect(reports[0]!.imported + reports[1]!.imported).toBe(N);
      expect(await stores[0]!.count('emails')).toBe(N);
      expect(await stores[0]!.count('email_locations')).toBe(N);
      // Replies joined their thread's task: 40 threads of two, the rest alone.
      expect(await stores[0]!.count('tasks')).toBe(N - 40);
    } finally {
      for (const crm of crms) await crm.close();
      await dropPgSchema(schemaName);
    }
  }, 180_000);

  it('50 MB and 100 MB attachments stream into the BlobStore in bounded memory (peak RSS does not grow with their size)', async () => {
    const peaks: Record<number, number> = {};
    for (const mb of [50, 100]) {
      const box = `Large${mb}`;
      await createMailbox(box);
      const size = mb * 1024 * 1024;
      const hash = createHash('sha256');
      fillMaildir(dovecot, USER, box, []);
      const file = join(dovecot.dir, 'home', USER, 'Maildir', `.${box}`, 'new', `${Date.now()}.Mlarge.rapport`);
      const out = createWriteStream(file);
      out.write(
        [
          'From: big@zefir.test',
          'To: anna@firma.test',
          'Subject: big file',
          `Message-ID: <big-${mb}@zefir.test>`,
          'Content-Type: multipart/mixed; boundary="B"',
          '',
          '--B',
          'Content-Type: text/plain',
          '',
          'see attachment',
          '--B',
          'Content-Type: application/octet-stream; name="big.bin"',
          'Content-Disposition: attachment; filename="big.bin"',
          'Content-Transfer-Encoding: base64',
          '',
          '',
        ].join('\r\n'),
      );
      const chunk = 57 * 1024; // a multiple of 57 bytes → whole 76-character base64 lines
      for (let written = 0; written < size; written += chunk) {
        const n = Math.min(chunk, size - written);
        const bytes = Buffer.alloc(n);
        for (let i = 0; i + 4 <= n; i += 4) bytes.writeUInt32LE(((written + i) * 2654435761) >>> 0, i);
        hash.update(bytes);
        const lines = bytes
          .toString('base64')
          .match(/.{1,76}/g)!
          .join('\r\n');
        if (!out.write(`${lines}\r\n`)) await once(out, 'drain');
      }
      out.end('--B--\r\n');
      await once(out, 'finish');
      await chown(file, Number(execFileSync('id', ['-u', 'dovecot']).toString().trim()), Number(execFileSync('id', ['-g', 'dovecot']).toString().trim()));

      const db = join(dir, `large-${mb}.db`);
      const blobs = join(dir, `large-blobs-${mb}`);
      const c = child({ db, blobs, ...connection, port: dovecot.port, mailbox: box });
      const [code] = await once(c.proc, 'exit');
      expect(code, c.stderr()).toBe(0);
      const result = c.lines.find((l) => l.report);
      expect(result.report).toMatchObject({ imported: 1, quarantined: 0 });
      peaks[mb] = result.peakRss / 1024 / 1024;
      console.log(`${mb} MB attachment: peak RSS ${peaks[mb]!.toFixed(0)} MB (at start ${(result.baseRss / 1024 / 1024).toFixed(0)} MB)`);

      const store = sqliteStore({ filename: db });
      await store.migrate();
      const crm = createCrm({ store, blobs: fsBlobStore({ dir: blobs }) });
      try {
        const email = await crm.emails.findByMessageId(`<big-${mb}@zefir.test>`);
        const attachment = email!.attachments.find((a) => a.filename === 'big.bin')!;
        expect(attachment.size).toBe(size);
        expect(attachment.sha256).toBe(hash.digest('hex'));
      } finally {
        await crm.close();
      }
    }
    // Held whole, 50 MB more of attachment would add at least 50 MB (as base64 text and bytes, ~120 MB).
    expect(peaks[100]! - peaks[50]!).toBeLessThan(40);
    expect(peaks[100]!).toBeLessThan(300);
  }, 180_000);
});

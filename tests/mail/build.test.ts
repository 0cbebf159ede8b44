import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fillMailbox, startDovecot, type Dovecot } from '../../packages/mail-bridge/test/support/dovecot.js';
import { rfc822 } from '../../packages/mail-bridge/test/support/messages.js';
import { runCli } from '../support/cli.js';

/**
 * The mail bridge as published: dist/, ESM and CommonJS, with its parse worker (a tsup entry of
 * its own) — what the sources under vitest and tsx cannot show. CI builds before it tests; locally
 * run `npm run build` first.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const dist = (pkg: string, file: string) => join(root, 'packages', pkg, 'dist', file);
const built = ['core', 'storage-adapters', 'mail-bridge', 'outlook-addin', 'cli'].every((pkg) => existsSync(dist(pkg, 'index.js')));
const exec = promisify(execFile);

let dovecot: Dovecot;
let dir: string;
const USER = 'dora';
const PASS = 'dora-pass';
const N = 12;

beforeAll(async () => {
  if (!built) return;
  dovecot = await startDovecot({ users: [{ user: USER, password: PASS }] });
  dir = await mkdtemp(join(tmpdir(), 'rapport-build-'));
  for (const box of ['Esm', 'Cjs']) {
    const messages = Array.from({ length: N }, (_, i) => rfc822({ messageId: `<build-${box}-${i}@zefir.test>`, subject: `built ${i}` }));
    await fillMailbox(dovecot, { user: USER, password: PASS }, box, messages);
  }
});
afterAll(async () => {
  await dovecot?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** Wraps Worker before the bridge loads, to count the worker threads started and the replies they send. */
const COUNT_WORKERS = `
  const threads = require('node:worker_threads');
  const Real = threads.Worker;
  const seen = { workers: [], replies: 0 };
  threads.Worker = class extends Real {
    constructor(entry, options) {
      super(entry, options);
      seen.workers.push(String(entry));
      this.on('message', () => seen.replies++);
    }
  };
  require('node:module').syncBuiltinESMExports();`;

/** A script that syncs a mailbox with the built bridge and prints the report and what COUNT_WORKERS saw. */
function script(kind: 'esm' | 'cjs', box: string): string {
  const ext = kind === 'esm' ? 'js' : 'cjs';
  const load = (pkg: string) =>
    kind === 'esm' ? `await import(${JSON.stringify(dist(pkg, `index.${ext}`))})` : `require(${JSON.stringify(dist(pkg, `index.${ext}`))})`;
  const body = `${COUNT_WORKERS}
    const { createCrm, memoryStore, memoryBlobStore } = ${load('core')};
    const { ImapSync } = ${load('mail-bridge')};
    const crm = createCrm({ store: memoryStore(), blobs: memoryBlobStore() });
    const report = await new ImapSync(crm, { host: '127.0.0.1', port: ${dovecot.port}, tls: 'none', user: '${USER}', password: '${PASS}', mailboxes: ['${box}'] }).sync();
    console.log(JSON.stringify({ report, ...seen }));`;
  return kind === 'esm'
    ? `import { createRequire } from 'node:module';\nconst require = createRequire(import.meta.url);\n${body}`
    : `(async () => {${body}\n})();`;
}

describe.skipIf(!built)('the built mail bridge (run `npm run build` first; CI does)', () => {
  it.each([
    ['esm', 'Esm', 'parse-worker.js'],
    ['cjs', 'Cjs', 'parse-worker.cjs'],
  ] as const)(
    'syncs a mailbox from dist (%s), parsing on the built worker thread',
    async (kind, box, entry) => {
      const file = join(dir, kind === 'esm' ? 'sync.mjs' : 'sync.cjs');
      await writeFile(file, script(kind, box));
      const { stdout } = await exec(process.execPath, [file], { cwd: dir, timeout: 60_000 });
      const result = JSON.parse(stdout.trim().split('\n').at(-1)!);
      expect(result.report).toMatchObject({ fetched: N, imported: N, quarantined: 0 });
      expect(result.workers).toEqual([expect.stringMatching(new RegExp(`/mail-bridge/dist/${entry.replace('.', '\\.')}$`))]);
      expect(result.replies).toBe(N);
    },
    90_000,
  );

  it('the CLI from the build imports over IMAP with the built worker', async () => {
    const preload = join(dir, 'count-workers.cjs');
    await writeFile(preload, `${COUNT_WORKERS}\nprocess.on('exit', () => process.stderr.write('WORKERS ' + JSON.stringify(seen) + '\\n'));`);
    const db = `sqlite:${join(dir, 'cli.db')}`;
    const { code, stdout, stderr } = await runCli(
      [
        'import',
        'imap',
        '--db',
        db,
        '--json',
        '--host',
        '127.0.0.1',
        '--port',
        String(dovecot.port),
        '--no-tls',
        '--user',
        USER,
        '--password-env',
        'MAIL_PW',
        '--mailbox',
        'Esm',
      ],
      { built: true, nodeArgs: ['--require', preload], cwd: dir, env: { MAIL_PW: PASS } },
    );
    expect(code, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ fetched: N, imported: N, quarantined: 0 });
    const seen = JSON.parse(/WORKERS (.*)/.exec(stderr)![1]!);
    expect(seen.workers).toEqual([expect.stringMatching(/\/mail-bridge\/dist\/parse-worker\.js$/)]);
    expect(seen.replies).toBe(N);
  }, 90_000);
});

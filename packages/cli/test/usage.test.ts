import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { run } from '@rapport/cli';

const sample = fileURLToPath(new URL('../assets/sample.mbox', import.meta.url));
const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

/** Runs the CLI in this process and captures what it prints. */
async function rapport(...args: string[]) {
  let stdout = '';
  let stderr = '';
  const out = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => ((stdout += String(chunk)), true));
  const err = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => ((stderr += String(chunk)), true));
  try {
    return { code: await run(args), stdout, stderr, lines: stderr.trimEnd().split('\n') };
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
}

let dir: string;
let db: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-usage-'));
  db = `sqlite:${join(dir, 'crm.db')}`;
  expect((await rapport('init', '--db', db)).code).toBe(0);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('rapport fails with one line and a non-zero code', () => {
  it('on a file that is not an mbox: a PNG, an empty file, a folder, a missing file', async () => {
    const png = join(dir, 'logo.png');
    const empty = join(dir, 'empty.mbox');
    const folder = join(dir, 'Inbox.sbd');
    await writeFile(png, PNG);
    await writeFile(empty, '');
    await mkdir(folder);
    const cases: Array<[string, RegExp]> = [
      [png, /logo\.png is not an mbox file/],
      [empty, /empty\.mbox is empty/],
      [folder, /Inbox\.sbd is a folder/],
      [join(dir, 'missing.mbox'), /cannot read .*missing\.mbox: ENOENT/],
    ];
    for (const [file, reason] of cases) {
      const result = await rapport('import', 'mbox', file, '--db', db);
      expect(result.code, file).toBe(1);
      expect(result.lines, file).toHaveLength(1);
      expect(result.stderr, file).toMatch(reason);
    }
  });

  it.skipIf(process.getuid?.() === 0)('on an mbox it may not read (root reads every file)', async () => {
    const locked = join(dir, 'locked.mbox');
    await writeFile(locked, 'From a@b Mon Mar  2 10:00:00 2026\n\nx\n', { mode: 0o000 });
    const result = await rapport('import', 'mbox', locked, '--db', db);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/cannot read .*locked\.mbox: EACCES/);
  });

  it('on an unknown register, before importing anything', async () => {
    const result = await rapport('import', 'mbox', sample, '--register', 'NOPE', '--db', db, '--json');
    expect(result.code).toBe(1);
    expect(result.lines).toEqual(['rapport: NOT_FOUND: register "NOPE" does not exist (--register)']);
    expect(JSON.parse(result.stdout)).toEqual({ error: { code: 'NOT_FOUND', message: expect.stringContaining('"NOPE"') } });
    const tasks = await rapport('tasks', 'list', '--db', db, '--json');
    expect(JSON.parse(tasks.stdout).tasks).toEqual([]);
  });

  it.each([
    [
      ['tasks', 'list', '--status', 'closed'],
      /argument 'closed' is invalid\. Allowed choices are open, in_progress, done, cancelled\. \(see rapport tasks list --help\)/,
    ],
    [
      ['import', 'imap', '--host', 'imap.example.com', '--user', 'u', '--password-env', 'P', '--since', '2026-02-30'],
      /'2026-02-30' is invalid\. must be a date YYYY-MM-DD that exists \(see rapport import imap --help\)/,
    ],
    [
      ['import', 'imap', '--host', 'imap example.com', '--user', 'u', '--password-env', 'P'],
      /'imap example\.com' is invalid\. must be a host name or an IP address/,
    ],
    [['serve', '--origin', 'crm.example.com'], /"crm\.example\.com" is not an origin such as https:\/\/crm\.example\.com/],
    [['serve', '--origin', 'https://crm.example.com/app'], /"https:\/\/crm\.example\.com\/app" is not an origin/],
    [['serve', '--host', 'local host'], /'local host' is invalid\. must be a host name or an IP address \(see rapport serve --help\)/],
    [['tasks', 'list', '--bogus'], /^rapport: unknown option '--bogus' \(see rapport tasks list --help\)$/],
  ])('on a usage error: %j', async (args, reason) => {
    const result = await rapport(...args, '--db', db);
    expect(result.code).toBe(2);
    expect(result.lines).toHaveLength(1);
    expect(result.lines[0]).toMatch(reason);
    expect(result.stdout).toBe('');
  });

  it('prints a usage error as JSON under --json', async () => {
    const result = await rapport('tasks', 'list', '--status', 'closed', '--json', '--db', db);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toEqual({
      error: { code: 'USAGE', message: expect.stringMatching(/^option '--status <status\.\.\.>' argument 'closed' is invalid/) },
    });
  });

  it('refuses a SQLite path whose folder does not exist, and init says it creates it', async () => {
    const nested = join(dir, 'new', 'deeper', 'crm.db');
    const refused = await rapport('tasks', 'list', '--db', `sqlite:${nested}`);
    expect(refused.code).toBe(1);
    expect(refused.lines).toEqual([
      `rapport: VALIDATION: --db sqlite:${nested}: the folder ${join(dir, 'new', 'deeper')} does not exist (rapport init creates it)`,
    ]);
    expect(existsSync(join(dir, 'new'))).toBe(false);
    const init = await rapport('init', '--db', `sqlite:${nested}`);
    expect(init.code).toBe(0);
    expect(init.stdout).toContain(`created the folder ${join(dir, 'new', 'deeper')}`);
    expect(existsSync(nested)).toBe(true);
  });
});

describe('rapport --version, operators list, tokens list', () => {
  it('--version prints the package version', async () => {
    const result = await rapport('--version');
    expect(result.code).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('lists operators and their tokens, never a token itself', async () => {
    expect((await rapport('operators', 'add', '--name', 'Ann Smith', '--email', 'ann@example.com', '--db', db)).code).toBe(0);
    const created = JSON.parse((await rapport('tokens', 'create', '--operator', 'ann@example.com', '--label', 'laptop', '--db', db, '--json')).stdout);
    const operators = await rapport('operators', 'list', '--db', db, '--json');
    expect(operators.code).toBe(0);
    expect(JSON.parse(operators.stdout).operators.map((o: { email: string }) => o.email)).toContain('ann@example.com');
    const tokens = await rapport('tokens', 'list', '--operator', 'ann@example.com', '--db', db, '--json');
    expect(tokens.code).toBe(0);
    expect(JSON.parse(tokens.stdout).tokens).toEqual([
      expect.objectContaining({ id: created.tokenId, operator: 'ann@example.com', label: 'laptop', revokedAt: null }),
    ]);
    expect(tokens.stdout).not.toContain(created.token);
    const text = await rapport('tokens', 'list', '--db', db);
    expect(text.stdout).toMatch(new RegExp(`${created.tokenId}\\s+ann@example\\.com\\s+laptop`));
  });
});

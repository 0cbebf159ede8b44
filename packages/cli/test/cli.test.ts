import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const exec = promisify(execFile);

/** Runs the real `rapport` command in a child process; never throws, returns code and output. */
async function rapport(args: string[], env: Record<string, string> = {}) {
  try {
    const { stdout, stderr } = await exec(join(root, 'node_modules/.bin/tsx'), [join(root, 'packages/cli/src/main.ts'), ...args], {
      cwd: root,
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code as number, stdout: err.stdout as string, stderr: err.stderr as string };
  }
}

describe('rapport CLI on SQLite', () => {
  let dir: string;
  let db: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rapport-cli-'));
    db = `sqlite:${join(dir, 'crm.db')}`;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('init creates the database and a second init applies nothing', async () => {
    const first = await rapport(['init', '--db', db, '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout).applied.length).toBeGreaterThan(0);
    const second = await rapport(['init', '--json'], { RAPPORT_DB: db });
    expect(second.code).toBe(0);
    expect(JSON.parse(second.stdout).applied).toEqual([]);
  });

  it('creates an operator and a token that is printed once and stored hashed', async () => {
    expect((await rapport(['operators', 'add', '--name', 'Ann Smith', '--email', 'ann@example.com', '--db', db])).code).toBe(0);
    const created = await rapport(['tokens', 'create', '--operator', 'ann@example.com', '--db', db, '--json']);
    expect(created.code).toBe(0);
    const { token } = JSON.parse(created.stdout);
    expect(token).toMatch(/^rpt_/);
    const Database = (await import('better-sqlite3')).default;
    const raw = new Database(join(dir, 'crm.db'), { readonly: true });
    const dump = JSON.stringify(raw.prepare('select * from api_tokens').all());
    raw.close();
    expect(dump).not.toContain(token);
  });

  it('fails with a one-line reason and a non-zero code on bad input', async () => {
    const unknown = await rapport(['history', '--partner', 'NOPE', '--db', db]);
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toContain('NOPE');
    const both = await rapport(['history', '--db', db]);
    expect(both.code).not.toBe(0);
    expect(both.stderr).toMatch(/exactly one of --partner/);
    const badDb = await rapport(['init', '--db', 'mysql://x']);
    expect(badDb.code).not.toBe(0);
    expect(badDb.stderr).toMatch(/sqlite:PATH or postgres/);
  });

  it('lists overdue tasks of an owner as JSON', async () => {
    const listed = await rapport(['tasks', 'list', '--owner', 'ann@example.com', '--overdue', '--json', '--db', db]);
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout).tasks).toEqual([]);
  });
});

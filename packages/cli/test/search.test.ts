import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrm } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const exec = promisify(execFile);

async function rapport(args: string[]) {
  try {
    const { stdout, stderr } = await exec(join(root, 'node_modules/.bin/tsx'), [join(root, 'packages/cli/src/main.ts'), ...args], { cwd: root });
    return { code: 0, stdout, stderr };
  } catch (err: any) {
    return { code: err.code as number, stdout: err.stdout as string, stderr: err.stderr as string };
  }
}

describe('rapport search', () => {
  let dir: string;
  let db: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rapport-cli-search-'));
    db = `sqlite:${join(dir, 'crm.db')}`;
    expect((await rapport(['init', '--db', db])).code).toBe(0);
    const crm = createCrm({ store: sqliteStore({ filename: join(dir, 'crm.db') }) });
    try {
      const ewa = await crm.operators.create({ name: 'Ewa', email: 'ewa@firma.pl' });
      const jan = await crm.operators.create({ name: 'Jan', email: 'jan@firma.pl' });
      await crm.roles.grant(jan.id, 'salesperson');
      await crm.partners.create({ code: 'ZOLC', name: 'Żółć Sp. z o.o.' });
      await crm.as(ewa.id).tasks.create({ subject: 'Ședință enova', private: true });
    } finally {
      await crm.close();
    }
  }, 120_000);
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('finds across kinds without diacritics, as JSON and as a table', async () => {
    const json = await rapport(['search', 'zolc', '--db', db, '--json']);
    expect(json.code, json.stderr).toBe(0);
    const result = JSON.parse(json.stdout);
    expect(result.items.map((h: { kind: string; title: string }) => [h.kind, h.title])).toEqual([['partners', 'Żółć Sp. z o.o.']]);
    expect(result.counts.partners).toEqual({ count: 1, exact: true });
    const text = await rapport(['search', 'sedinta enov', '--kinds', 'tasks', '--db', db]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('Ședință enova');
    expect(text.stdout).toContain('matches: tasks 1');
  }, 120_000);

  it("applies the operator's rules with --as, and takes hostile words as words", async () => {
    const asJan = await rapport(['search', 'sedinta', '--as', 'jan@firma.pl', '--db', db, '--json']);
    expect(asJan.code, asJan.stderr).toBe(0);
    expect(JSON.parse(asJan.stdout)).toMatchObject({ items: [], counts: { tasks: { count: 0, exact: true } } });
    const hostile = await rapport(['search', '"NEAR( * - OR', '--db', db, '--json']);
    expect(hostile.code, hostile.stderr).toBe(0);
    const long = await rapport(['search', 'x'.repeat(1001), '--db', db]);
    expect(long.code).not.toBe(0);
    expect(long.stderr).toContain('at most 1000 characters');
    const kinds = await rapport(['search', 'x', '--kinds', 'tasks,audit', '--db', db]);
    expect(kinds.code).not.toBe(0);
    expect(kinds.stderr).toContain('comma-separated list');
  }, 120_000);
});

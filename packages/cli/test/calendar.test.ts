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

describe('rapport calendar feed', () => {
  let dir: string;
  let db: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rapport-cli-cal-'));
    db = `sqlite:${join(dir, 'crm.db')}`;
    expect((await rapport(['init', '--db', db])).code).toBe(0);
    expect((await rapport(['operators', 'add', '--name', 'Ewa', '--email', 'ewa@firma.pl', '--db', db])).code).toBe(0);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a feed whose URL opens the calendar, lists it without the secret, and revokes it', async () => {
    const created = await rapport([
      'calendar',
      'feed',
      'create',
      '--operator',
      'ewa@firma.pl',
      '--time-zone',
      'Europe/Warsaw',
      '--base-url',
      'https://crm.example',
      '--db',
      db,
      '--json',
    ]);
    expect(created.code, created.stderr).toBe(0);
    const { url, feedId } = JSON.parse(created.stdout);
    expect(url).toMatch(/^https:\/\/crm\.example\/calendar\/feeds\/rcf_[\w-]+\.ics$/);
    const token = url
      .split('/')
      .pop()
      .replace(/\.ics$/, '');
    const crm = createCrm({ store: sqliteStore({ filename: join(dir, 'crm.db') }) });
    try {
      expect((await crm.calendar.feeds.open(token)).feed.id).toBe(feedId);
    } finally {
      await crm.close();
    }
    const listed = await rapport(['calendar', 'feed', 'list', '--operator', 'ewa@firma.pl', '--db', db, '--json']);
    expect(JSON.parse(listed.stdout).feeds.map((f: { id: string }) => f.id)).toEqual([feedId]);
    expect(listed.stdout).not.toContain(token);
    expect((await rapport(['calendar', 'feed', 'revoke', feedId, '--db', db])).code).toBe(0);
    const after = await rapport(['calendar', 'feed', 'list', '--operator', 'ewa@firma.pl', '--db', db, '--json']);
    expect(JSON.parse(after.stdout).feeds[0].revokedAt).not.toBeNull();
  });

  it('fails with a one-line reason for an unknown operator or register', async () => {
    const r = await rapport(['calendar', 'feed', 'create', '--operator', 'nobody@firma.pl', '--db', db]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rapport: NOT_FOUND: operator "nobody@firma.pl" does not exist/);
    const g = await rapport(['calendar', 'feed', 'create', '--operator', 'ewa@firma.pl', '--register', 'NOPE', '--db', db]);
    expect(g.stderr).toContain('--register: register "NOPE" does not exist');
  });
});

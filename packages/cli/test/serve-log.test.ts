import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';
import { openCrm } from '../src/db.js';

const root = fileURLToPath(new URL('../../..', import.meta.url));
let child: ChildProcess | undefined;
let dir: string | undefined;

afterAll(async () => {
  child?.kill('SIGTERM');
  if (dir) await rm(dir, { recursive: true, force: true });
});

it('rapport serve logs every 500 to stderr with the request id the client is told', async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-serve-'));
  const file = join(dir, 'crm.db');
  const { crm } = await openCrm(`sqlite:${file}`);
  const op = await crm.operators.create({ name: 'Anna', email: 'anna@example.com' });
  const { token } = await crm.operators.createToken(op.id);
  await crm.close();

  child = spawn(
    join(root, 'node_modules/.bin/tsx'),
    [join(root, 'packages/cli/src/main.ts'), 'serve', '--port', '0', '--no-tls', '--json', '--db', `sqlite:${file}`],
    { cwd: root },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const match = /"url":\s*"(http:\/\/[^"]+?)\/pane\/taskpane\.html"/.exec(stdout);
      if (match) {
        clearInterval(timer);
        resolve(match[1]!);
      }
    }, 100);
    child!.once('exit', (code) => {
      clearInterval(timer);
      reject(new Error(`serve exited with ${code}: ${stderr}`));
    });
  });

  // A real failure under the server: the tasks table disappears.
  const db = new Database(file);
  db.exec('DROP TABLE "tasks"');
  db.close();

  const res = await fetch(`${url.replace('localhost', '127.0.0.1')}/api/v1/tasks`, { headers: { authorization: `Bearer ${token}` } });
  expect(res.status).toBe(500);
  const body = (await res.json()) as { error: { code: string; message: string } };
  expect(body.error.code).toBe('INTERNAL');
  expect(body.error.message).not.toMatch(/tasks|sqlite|SELECT/i);
  const id = /see its log \(request id ([0-9a-f]+)\)/.exec(body.error.message)?.[1];
  expect(id, body.error.message).toBeDefined();
  await expect.poll(() => stderr, { timeout: 5000 }).toContain(`500 request ${id} GET /api/v1/tasks`);
  expect(stderr).toMatch(/no such table/);
}, 120_000);

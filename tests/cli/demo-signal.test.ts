import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Whether something accepts TCP connections on the port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' });
    socket.once('connect', () => (socket.destroy(), resolve(true)));
    socket.once('error', () => resolve(false));
  });
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'rapport-demo-signal-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

it('npm run demo stopped by SIGTERM stops its server', { timeout: 120_000 }, async () => {
  // Its own process group, so whatever it leaves behind can be cleaned up after the assertion.
  const npm = spawn('npm', ['run', '--silent', 'demo', '--', '--port', '0', '--json', '--db', `sqlite:${join(dir, 'demo.db')}`], {
    cwd: root,
    detached: true,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<number | null>((resolve) => npm.once('exit', (code) => resolve(code)));
  try {
    let out = '';
    const summary = await new Promise<{ server: { url: string } }>((resolve, reject) => {
      npm.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        try {
          resolve(JSON.parse(out));
        } catch {
          // not the whole JSON object yet
        }
      });
      void exited.then((code) => reject(new Error(`npm run demo exited with ${code} before serving: ${out}`)));
    });
    const port = Number(new URL(summary.server.url).port);
    expect(await listening(port)).toBe(true);

    process.kill(npm.pid!, 'SIGTERM'); // the npm process only, as a supervisor or `kill PID` does
    await exited;
    let stillListening = true;
    for (let i = 0; i < 50 && stillListening; i++) {
      stillListening = await listening(port);
      if (stillListening) await new Promise((r) => setTimeout(r, 100));
    }
    expect(stillListening).toBe(false);
  } finally {
    try {
      process.kill(-npm.pid!, 'SIGKILL');
    } catch {
      // the group is gone: nothing was left behind
    }
  }
});

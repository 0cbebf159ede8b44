import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { run } from '@rapport/cli';

// `rapport demo` and `rapport serve` live in @rapport/cli but exist for the add-in: tested here.
describe('rapport demo --no-serve', () => {
  let out = '';
  let cwd: string;
  beforeEach(() => {
    cwd = process.cwd();
    process.chdir(mkdtempSync(join(tmpdir(), 'rapport-demo-')));
    out = '';
    vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  });
  afterEach(() => {
    vi.restoreAllMocks();
    process.chdir(cwd);
  });

  it('creates ./rapport-demo.db with the enova example, imports the sample mbox and prints token and history', async () => {
    expect(await run(['--json', 'demo', '--no-serve'])).toBe(0);
    const report = JSON.parse(out);
    expect(report.database).toBe('sqlite:./rapport-demo.db');
    expect(report.seeded.partners).toBeGreaterThanOrEqual(20);
    expect(report.seeded.tasks).toBeGreaterThanOrEqual(30);
    expect(report.seeded.emails).toBeGreaterThanOrEqual(20);
    expect(report.import).toMatchObject({ fetched: 12, imported: 12, failed: 0 });
    expect(report.token).toMatch(/^rpt_/);
    expect(report.partner.code).toBe('ZEFIR');
    expect(report.openTasks).toContainEqual(
      expect.objectContaining({ number: expect.stringMatching(/^0001\/\d{4}\/CRM$/), subject: 'Informacje o systemie enova', overdue: true }),
    );
    expect(report.history.map((i: { kind: string }) => i.kind)).toContain('stage.completed');

    out = '';
    expect(await run(['--json', 'demo', '--no-serve'])).toBe(0);
    const again = JSON.parse(out);
    expect(again.seeded).toBeNull();
    expect(again.token).not.toBe(report.token);
  });
});

describe('rapport serve', () => {
  it('serves the API, the pane and manifests pointing at its own origin over HTTPS', async () => {
    const { startServer } = await import('../../packages/cli/src/commands/serve.js');
    const { seed } = await import('../../packages/outlook-addin/test/fixtures.js');
    const { request } = await import('node:https');
    process.env.RAPPORT_CONFIG_DIR = mkdtempSync(join(tmpdir(), 'rapport-config-'));
    const s = await seed();
    const server = await startServer(s.crm, { port: 0, host: '127.0.0.1', tls: true });
    try {
      const origin = new URL(server.url).origin;
      expect(origin).toMatch(/^https:\/\/localhost:\d+$/);
      const get = (path: string) =>
        new Promise<{ status: number; body: string }>((resolve, reject) => {
          const url = new URL(path, origin);
          const req = request({ host: '127.0.0.1', port: url.port, path: url.pathname, servername: 'localhost', rejectUnauthorized: false }, (res) => {
            let body = '';
            res.on('data', (c) => (body += c));
            res.on('end', () => resolve({ status: res.statusCode!, body }));
          });
          req.on('error', reject);
          req.end();
        });
      const xml = await get('/manifests/outlook-addin.xml');
      expect(xml.status).toBe(200);
      expect(xml.body).toContain(`${origin}/pane/taskpane.html`);
      expect(xml.body).not.toContain('localhost:3000');
      expect((await get('/pane/taskpane.html')).body).toContain('pane.js');
      expect((await get('/api/v1/me')).status).toBe(401);
    } finally {
      await server.close();
      await s.crm.close();
      delete process.env.RAPPORT_CONFIG_DIR;
    }
  });
});

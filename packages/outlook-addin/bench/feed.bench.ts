// npm run bench:feed -w @rapport/outlook-addin
//   GET /calendar/feeds/<token>.ics of an operator with 10,000 tasks (BENCH_ITEMS to change) on
//   a SQLite file, over HTTP on 127.0.0.1:4650: time to first byte and total, p50/p95 over
//   BENCH_ROUNDS (default 15) requests, one at a time. Baseline: the same rows read with one
//   better-sqlite3 SELECT and written as minimal VEVENTs by string concatenation (no placement,
//   labels, VTIMEZONE or folding) — what the feed's machinery costs on top of the raw work.
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { createCrm, newId, type Task } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';
import { createApiServer } from '../src/index.js';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const PORT = 4650;
const DAY = 86_400_000;

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

function get(url: string): Promise<{ ttfb: number; total: number; bytes: number; status: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let ttfb = 0;
    let bytes = 0;
    request(url, (res) => {
      res.on('data', (chunk: Buffer) => {
        if (!ttfb) ttfb = performance.now() - t0;
        bytes += chunk.length;
      });
      res.on('end', () => resolve({ ttfb, total: performance.now() - t0, bytes, status: res.statusCode ?? 0 }));
    })
      .on('error', reject)
      .end();
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'rapport-feed-bench-'));
  const file = join(dir, 'bench.db');
  const store = sqliteStore({ filename: file });
  await store.migrate();
  const crm = createCrm({ store });
  const op = await crm.operators.create({ name: 'Ewa Bench', email: 'ewa@firma.pl' });
  const register = await crm.registers.create({ code: 'SALES', name: 'Sales tasks', color: '#ff8800', numberPattern: '{seq:6}/S' });
  const now = Date.now();
  const start = Math.floor(now / DAY) * DAY - 30 * DAY;
  const tasks: Task[] = [];
  for (let i = 0; i < ITEMS; i++) {
    const planned = new Date(start + Math.floor((i / ITEMS) * 300 * DAY) + (i % 9) * 3_600_000);
    tasks.push({
      id: newId(now + i),
      version: 1,
      number: `${String(i + 1).padStart(6, '0')}/S`,
      registerId: register.id,
      subject: `Zadanie ${i}: spotkanie z klientem, oferta`,
      description: null,
      partnerId: null,
      personId: null,
      ownerId: op.id,
      createdBy: op.id,
      plannedAt: planned,
      dueAt: new Date(planned.getTime() + 3_600_000),
      doneAt: null,
      status: 'open',
      priority: 'normal',
      parentId: null,
      private: false,
      customFields: {},
      createdAt: new Date(now),
      updatedAt: new Date(now),
    });
  }
  for (let i = 0; i < tasks.length; i += 1000) await store.createMany('tasks', tasks.slice(i, i + 1000));
  const { token } = await crm.as(op.id).calendar.feeds.create({ timeZone: 'Europe/Warsaw', scope: { pastDays: 60, futureDays: 330 } });
  const app = await createApiServer({ crm, paneDir: false, rateLimit: false });
  await app.listen({ port: PORT, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${PORT}/calendar/feeds/${token}.ics`;
  try {
    const first = await get(url);
    if (first.status !== 200) throw new Error(`feed answered ${first.status}`);
    const runs = [];
    for (let r = 0; r < ROUNDS; r++) runs.push(await get(url));
    const events = (await (await fetch(url)).text()).split('BEGIN:VEVENT').length - 1;

    // Baseline: one SELECT and hand-written minimal VEVENTs.
    const db = new Database(file, { readonly: true });
    const raw: number[] = [];
    let rawBytes = 0;
    for (let r = 0; r < ROUNDS; r++) {
      const t0 = performance.now();
      const rows = db.prepare('SELECT id, subject, planned_at AS plannedAt, due_at AS dueAt FROM tasks WHERE owner_id = ? ORDER BY due_at').all(op.id) as Array<
        Record<string, unknown>
      >;
      let out = 'BEGIN:VCALENDAR\r\nVERSION:2.0\r\n';
      for (const row of rows)
        out += `BEGIN:VEVENT\r\nUID:${row.id}\r\nSUMMARY:${row.subject}\r\nDTSTART:${row.plannedAt}\r\nDTEND:${row.dueAt}\r\nEND:VEVENT\r\n`;
      out += 'END:VCALENDAR\r\n';
      raw.push(performance.now() - t0);
      rawBytes = out.length;
    }
    db.close();
    const ms = (n: number) => `${n.toFixed(1)} ms`;
    console.log(`iCal feed over HTTP, ${ITEMS} tasks on SQLite, ${events} VEVENTs, ${(runs[0]!.bytes / 1024 / 1024).toFixed(2)} MiB, ${ROUNDS} rounds`);
    console.log(
      `raw text: ${(rawBytes / 1024 / 1024).toFixed(2)} MiB; load average ${loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')} (${availableParallelism()} cores)`,
    );
    console.table({
      'time to first byte': {
        p50: ms(
          pct(
            runs.map((x) => x.ttfb),
            50,
          ),
        ),
        p95: ms(
          pct(
            runs.map((x) => x.ttfb),
            95,
          ),
        ),
      },
      'total (last byte)': {
        p50: ms(
          pct(
            runs.map((x) => x.total),
            50,
          ),
        ),
        p95: ms(
          pct(
            runs.map((x) => x.total),
            95,
          ),
        ),
      },
      'raw SELECT + concat': { p50: ms(pct(raw, 50)), p95: ms(pct(raw, 95)) },
    });
    console.log(
      `ratio total p50 / raw p50: ${(
        pct(
          runs.map((x) => x.total),
          50,
        ) / pct(raw, 50)
      ).toFixed(1)}x`,
    );
  } finally {
    await app.close();
    await crm.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();

/**
 * mbox import benchmarks (no server needed):
 *   - one linear thread of 1k/2k/3k messages vs as many unrelated messages (target: ≤ 1.3×, linear);
 *   - 20k small messages: importMbox → SQLite vs a plain mailparser loop over the same file with
 *     the product's parser options (target ≥ 0.7×), and Python's mailbox + email as an anchor.
 * Every run is a process of its own (mbox-child.ts, python3), so each row's peak RSS comes from
 * the OS; the figures time the work inside it (process start and module loading excluded).
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmtRate, median, only, rate, RUNS, runChild, type Row } from './support.js';

function message(i: number, thread: boolean): string {
  const from = `Person ${i % 300} <p${i % 300}@company${i % 40}.test>`;
  const refs = thread && i > 0 ? [`References: <t0@zefir.test> <t${i - 1}@zefir.test>`, `In-Reply-To: <t${i - 1}@zefir.test>`] : [];
  return [
    `From: ${thread ? 'Person 1 <p1@company1.test>' : from}`,
    'To: Anna <anna@firma.test>',
    `Subject: ${thread && i > 0 ? 'Re: ' : ''}Message ${i}`,
    `Message-ID: <${thread ? 't' : 'u'}${i}@zefir.test>`,
    ...refs,
    'Date: Mon, 02 Mar 2026 10:00:00 +0100',
    '',
    `Hello ${i}`,
    'lorem ipsum dolor sit amet '.repeat(20),
    '',
  ].join('\n');
}

export function writeMbox(file: string, n: number, thread: boolean): number {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) parts.push(`From - Mon Mar  2 10:00:00 2026\n${message(i, thread)}`);
  writeFileSync(file, parts.join('\n'));
  return n;
}

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

interface Run {
  /** The work's own wall and CPU time (this process and its worker), ms. */
  ms: number;
  cpu: number;
  /** Peak RSS of the whole process, from the OS. */
  rss: number | null;
}

/** One run of `mbox-child.ts` in a fresh process (peak RSS from the OS). */
async function childRun(job: { mode: 'import' | 'parse'; file: string; dir?: string; name?: string }, expect: number): Promise<Run> {
  const run = await runChild(process.execPath, ['--import', 'tsx', join(here, 'mbox-child.ts'), JSON.stringify(job)], {}, root);
  const out = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { n: number; ms: number; cpu: number };
  if (out.n !== expect) throw new Error(`${job.mode} ${job.name ?? job.file}: ${out.n} messages, expected ${expect}`);
  return { ms: out.ms, cpu: out.cpu, rss: run.peakRssMb };
}

const timedImport = (dir: string, name: string, file: string, n: number) => childRun({ mode: 'import', file, dir, name }, n);
const rssOf = (runs: Array<{ rss: number | null }>) => (runs.some((r) => r.rss === null) ? 'n/a' : `${median(runs.map((r) => r.rss!)).toFixed(0)} MB`);

const PYTHON = `
import sys, time, mailbox, email, email.policy
t = time.perf_counter(); n = 0
box = mailbox.mbox(sys.argv[1], factory=lambda f: email.message_from_binary_file(f, policy=email.policy.default), create=False)
for m in box:
    m.get('message-id'); m.get('from'); m.get('subject')
    body = m.get_body(('plain', 'html'))
    if body is not None: body.get_content()
    n += 1
print(n, time.perf_counter() - t)
`;

export async function mboxRows(dir: string): Promise<Row[]> {
  const rows: Row[] = [];
  if (only('threads')) {
    const perSize: Array<{ n: number; thread: number; unrelated: number; threadCpu: number; unrelatedCpu: number; rss: string }> = [];
    for (const n of [1000, 2000, 3000]) {
      const threadFile = join(dir, `thread-${n}.mbox`);
      const plainFile = join(dir, `plain-${n}.mbox`);
      writeMbox(threadFile, n, true);
      writeMbox(plainFile, n, false);
      await timedImport(dir, `warm-${n}`, plainFile, n); // page cache, not counted
      const thread: Run[] = [];
      const unrelated: Run[] = [];
      for (let r = 0; r < RUNS; r++) {
        unrelated.push(await timedImport(dir, `plain-${n}-${r}`, plainFile, n));
        thread.push(await timedImport(dir, `thread-${n}-${r}`, threadFile, n));
      }
      const ms = (xs: Array<{ ms: number }>) => median(xs.map((x) => x.ms));
      const cpu = (xs: Array<{ cpu: number }>) => median(xs.map((x) => x.cpu));
      perSize.push({
        n,
        thread: ms(thread),
        unrelated: ms(unrelated),
        threadCpu: cpu(thread),
        unrelatedCpu: cpu(unrelated),
        rss: `${rssOf(thread)} / ${rssOf(unrelated)}`,
      });
      console.error(
        `threads ${n}: thread ${thread.map((x) => x.ms.toFixed(0)).join(', ')} ms; unrelated ${unrelated.map((x) => x.ms.toFixed(0)).join(', ')} ms`,
      );
    }
    for (const s of perSize)
      rows.push([
        `mbox, one ${s.n.toLocaleString('en')}-message thread vs unrelated`,
        `${(s.thread / 1000).toFixed(2)} s vs ${(s.unrelated / 1000).toFixed(2)} s (CPU ${(s.threadCpu / 1000).toFixed(2)} vs ${(s.unrelatedCpu / 1000).toFixed(2)} s)`,
        `thread/unrelated ${(s.thread / s.unrelated).toFixed(2)}× wall, ${(s.threadCpu / s.unrelatedCpu).toFixed(2)}× CPU (target ≤ 1.3×)`,
        s.rss,
      ]);
    const [a, , c] = perSize;
    rows.push([
      'mbox thread: 3k / 1k',
      `${(c!.thread / a!.thread).toFixed(2)} wall, ${(c!.threadCpu / a!.threadCpu).toFixed(2)} CPU`,
      `linear = 3.0 (unrelated: ${(c!.unrelated / a!.unrelated).toFixed(2)} wall, ${(c!.unrelatedCpu / a!.unrelatedCpu).toFixed(2)} CPU)`,
      '',
    ]);
  }

  if (only('mbox')) {
    const N = Number(process.env.MBOX_N ?? 20_000);
    const file = join(dir, `small-${N}.mbox`);
    writeMbox(file, N, false);
    await childRun({ mode: 'parse', file }, N); // page cache, not counted
    const floor: Run[] = [];
    const product: Run[] = [];
    const python: Run[] = [];
    const hasPython = spawnSync('python3', ['-c', '0']).status === 0;
    for (let r = 0; r < RUNS; r++) {
      floor.push(await childRun({ mode: 'parse', file }, N));
      product.push(await timedImport(dir, `mbox-${r}`, file, N));
      if (hasPython) {
        const run = await runChild('python3', ['-c', PYTHON, file]);
        const [count, seconds] = run.stdout.trim().split(' ').map(Number);
        if (count !== N) throw new Error(`python saw ${count} messages`);
        python.push({ ms: seconds! * 1000, cpu: NaN, rss: run.peakRssMb });
      }
    }
    const msgs = (runs: Run[]) => rate(N, median(runs.map((x) => x.ms)));
    const cpuRate = (runs: Run[]) => rate(N, median(runs.map((x) => x.cpu)));
    console.error(`mbox ${N}: product ${product.map((x) => x.ms.toFixed(0)).join(', ')} ms; floor ${floor.map((x) => x.ms.toFixed(0)).join(', ')} ms`);
    const label = `mbox ${N.toLocaleString('en')} small`;
    rows.push([`${label}: mailparser loop (product's options)`, fmtRate(msgs(floor)), `CPU ${fmtRate(cpuRate(floor))}`, rssOf(floor)]);
    rows.push([
      `${label}: importMbox → SQLite`,
      fmtRate(msgs(product)),
      `ratio ${(msgs(product) / msgs(floor)).toFixed(2)}× of the parse loop (target ≥ 0.7×); CPU ${fmtRate(cpuRate(product))}, ${(cpuRate(product) / cpuRate(floor)).toFixed(2)}× the loop's`,
      rssOf(product),
    ]);
    rows.push(
      hasPython
        ? [
            `${label}: Python mailbox + email (anchor)`,
            fmtRate(msgs(python)),
            `importMbox is ${(msgs(product) / msgs(python)).toFixed(2)}× Python`,
            rssOf(python),
          ]
        : ['Python anchor', 'skipped', 'python3 not found', ''],
    );
  }
  return rows;
}

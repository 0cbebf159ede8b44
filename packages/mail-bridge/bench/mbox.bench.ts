/**
 * mbox import benchmarks (no server needed):
 *   - one linear thread of 1k/2k/3k messages vs as many unrelated messages (target: ≤ 1.3×, linear);
 *   - 20k small messages: importMbox → SQLite vs a plain mailparser loop over the same file with
 *     the product's parser options (target ≥ 0.7×), and Python's mailbox + email as an anchor.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { importMbox } from '../src/index.js';
import { runParser } from '../src/parser.js';
import { fmtRate, median, newCrm, only, rate, RUNS, type Row } from './support.js';

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

/** Wall time and CPU time (this process, worker included: less sensitive to a shared machine's load), ms. */
async function timedImport(dir: string, name: string, file: string): Promise<{ ms: number; cpu: number }> {
  const crm = await newCrm(dir, name);
  const t = performance.now();
  const c = process.cpuUsage();
  const report = await importMbox(crm, file, { resume: false });
  const used = process.cpuUsage(c);
  const ms = performance.now() - t;
  await crm.close();
  if (report.quarantined || report.failed) throw new Error(`${name}: ${JSON.stringify(report).slice(0, 300)}`);
  return { ms, cpu: (used.user + used.system) / 1000 };
}

/** The floor: split the same file on its "From " lines and run the product's mailparser set-up on each. */
async function parseLoop(file: string): Promise<number> {
  const text = readFileSync(file);
  let n = 0;
  let start = 0;
  while (start < text.length) {
    const next = text.indexOf('\nFrom ', start + 1);
    const end = next < 0 ? text.length : next + 1;
    const body = text.subarray(text.indexOf(10, start) + 1, end);
    await runParser(Readable.from([body]), (part) => part.release());
    n++;
    start = end;
  }
  return n;
}

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
    const perSize: Array<{ n: number; thread: number; unrelated: number; threadCpu: number; unrelatedCpu: number }> = [];
    for (const n of [1000, 2000, 3000]) {
      const threadFile = join(dir, `thread-${n}.mbox`);
      const plainFile = join(dir, `plain-${n}.mbox`);
      writeMbox(threadFile, n, true);
      writeMbox(plainFile, n, false);
      await timedImport(dir, `warm-${n}`, plainFile); // JIT and page cache, not counted
      const thread: Array<{ ms: number; cpu: number }> = [];
      const unrelated: Array<{ ms: number; cpu: number }> = [];
      for (let r = 0; r < RUNS; r++) {
        unrelated.push(await timedImport(dir, `plain-${n}-${r}`, plainFile));
        thread.push(await timedImport(dir, `thread-${n}-${r}`, threadFile));
      }
      const ms = (xs: Array<{ ms: number }>) => median(xs.map((x) => x.ms));
      const cpu = (xs: Array<{ cpu: number }>) => median(xs.map((x) => x.cpu));
      perSize.push({ n, thread: ms(thread), unrelated: ms(unrelated), threadCpu: cpu(thread), unrelatedCpu: cpu(unrelated) });
      console.error(
        `threads ${n}: thread ${thread.map((x) => x.ms.toFixed(0)).join(', ')} ms; unrelated ${unrelated.map((x) => x.ms.toFixed(0)).join(', ')} ms`,
      );
    }
    for (const s of perSize)
      rows.push([
        `mbox, one ${s.n.toLocaleString('en')}-message thread vs unrelated`,
        `${(s.thread / 1000).toFixed(2)} s vs ${(s.unrelated / 1000).toFixed(2)} s (CPU ${(s.threadCpu / 1000).toFixed(2)} vs ${(s.unrelatedCpu / 1000).toFixed(2)} s)`,
        `thread/unrelated ${(s.thread / s.unrelated).toFixed(2)}× wall, ${(s.threadCpu / s.unrelatedCpu).toFixed(2)}× CPU (target ≤ 1.3×)`,
      ]);
    const [a, , c] = perSize;
    rows.push([
      'mbox thread: 3k / 1k',
      `${(c!.thread / a!.thread).toFixed(2)} wall, ${(c!.threadCpu / a!.threadCpu).toFixed(2)} CPU`,
      `linear = 3.0 (unrelated: ${(c!.unrelated / a!.unrelated).toFixed(2)} wall, ${(c!.unrelatedCpu / a!.unrelatedCpu).toFixed(2)} CPU)`,
    ]);
  }

  if (only('mbox')) {
    const N = Number(process.env.MBOX_N ?? 20_000);
    const file = join(dir, `small-${N}.mbox`);
    writeMbox(file, N, false);
    await parseLoop(file);
    await timedImport(dir, 'mbox-warm', file);
    const floor: number[] = [];
    const product: number[] = [];
    const python: number[] = [];
    const hasPython = spawnSync('python3', ['-c', '0']).status === 0;
    for (let r = 0; r < RUNS; r++) {
      let t = performance.now();
      const n = await parseLoop(file);
      if (n !== N) throw new Error(`parse loop saw ${n} messages`);
      floor.push(rate(N, performance.now() - t));
      product.push(rate(N, (await timedImport(dir, `mbox-${r}`, file)).ms));
      if (hasPython) {
        const [count, seconds] = execFileSync('python3', ['-c', PYTHON, file]).toString().trim().split(' ').map(Number);
        if (count !== N) throw new Error(`python saw ${count} messages`);
        python.push(count! / seconds!);
      }
      t = 0;
    }
    console.error(`mbox ${N}: product ${product.map((x) => x.toFixed(0)).join(', ')}; floor ${floor.map((x) => x.toFixed(0)).join(', ')} msg/s`);
    rows.push([`mbox ${N.toLocaleString('en')} small: mailparser loop (product's options)`, fmtRate(median(floor)), '']);
    rows.push([
      `mbox ${N.toLocaleString('en')} small: importMbox → SQLite`,
      fmtRate(median(product)),
      `ratio ${(median(product) / median(floor)).toFixed(2)}× of the parse loop (target ≥ 0.7×)`,
    ]);
    rows.push(
      hasPython
        ? [
            `mbox ${N.toLocaleString('en')} small: Python mailbox + email (anchor)`,
            fmtRate(median(python)),
            `importMbox is ${(median(product) / median(python)).toFixed(2)}× Python`,
          ]
        : ['Python anchor', 'skipped', 'python3 not found'],
    );
  }
  return rows;
}

/** Shared by the mail-bridge benchmarks: medians, child processes with OS-measured peak RSS, the table. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import { createCrm, fsBlobStore, type Crm } from '@rapport/core';
import { sqliteStore } from '@rapport/storage-adapters';

export const RUNS = Number(process.env.RUNS ?? 3);
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
/** ONLY=threads,mbox,imap,expunge,large,noop runs some sections. */
export const only = (name: string) => !process.env.ONLY || process.env.ONLY.split(',').includes(name);
export const load = () =>
  `load ${loadavg()
    .map((x) => x.toFixed(2))
    .join(' ')} on ${cpus().length} cores`;
export const rate = (n: number, ms: number) => n / (ms / 1000);
export const fmtRate = (x: number) => `${x.toFixed(0)} msg/s`;

/** A line of the table; `rss` is the peak RSS of the process that did the work, from the OS. */
export type Row = [work: string, figure: string, ratio: string, rss?: string];

/** A SQLite CRM in `dir` with 40 partners owning the company domains the generated mail uses. */
export async function newCrm(dir: string, name: string): Promise<Crm> {
  const store = sqliteStore({ filename: join(dir, `${name}.db`) });
  await store.migrate();
  const crm = createCrm({ store, blobs: fsBlobStore({ dir: join(dir, `${name}-blobs`) }) });
  for (let p = 0; p < 40; p++) await crm.partners.create({ code: `C${p}`, name: `Company ${p}`, emailDomains: [`company${p}.test`] });
  return crm;
}

export interface ChildRun {
  ms: number;
  /** Peak resident set of the process, from the OS (`/usr/bin/time -v`, else null). */
  peakRssMb: number | null;
  stdout: string;
}

/** Runs a command as a fresh process (a user's cold start), timing it from the outside. */
export async function runChild(cmd: string, args: string[], env: Record<string, string> = {}, cwd?: string): Promise<ChildRun> {
  const timeBin = existsSync('/usr/bin/time') ? '/usr/bin/time' : null;
  const rssFile = join(process.env.TMPDIR ?? '/tmp', `rapport-bench-rss-${process.pid}-${Date.now()}`);
  const [bin, argv] = timeBin ? [timeBin, ['-v', '-o', rssFile, cmd, ...args]] : [cmd, args];
  const t = performance.now();
  const proc = spawn(bin, argv, { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, ...env }, ...(cwd ? { cwd } : {}) });
  let stdout = '';
  proc.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  const code = await new Promise<number | null>((resolve) => proc.on('exit', resolve));
  const ms = performance.now() - t;
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${code}: ${stdout.slice(-500)}`);
  let peakRssMb: number | null = null;
  if (timeBin) {
    const m = /Maximum resident set size \(kbytes\): (\d+)/.exec(readFileSync(rssFile, 'utf8'));
    if (m) peakRssMb = Number(m[1]) / 1024;
  }
  return { ms, peakRssMb, stdout };
}

export function printTable(title: string, rows: Row[]) {
  const all: Row[] = [['work', 'figure', 'ratio / note', 'peak RSS (OS)'], ...rows];
  const widths = [0, 1, 2, 3].map((i) => Math.max(...all.map((r) => (r[i] ?? '').length), 6));
  console.log(`\n${title}\n`);
  for (const r of all)
    console.log(
      [0, 1, 2, 3]
        .map((i) => (r[i] ?? '').padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    );
}

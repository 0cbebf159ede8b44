/**
 * The mail-bridge benchmarks: `npm run bench -w @rapport/mail-bridge` prints one table of figures
 * (medians of RUNS runs, default 3) and ratios against the libraries doing the same work, measured
 * in the same run. ONLY=threads,mbox,imap,large,noop,expunge picks sections. Needs Dovecot (installed
 * by the test support when root); the mbsync anchor needs `apt-get install isync` and is skipped
 * without it; the Python anchor needs python3.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { imapRows } from './imap.bench.js';
import { mboxRows } from './mbox.bench.js';
import { load, printTable, RUNS } from './support.js';

const dir = await mkdtemp(join(tmpdir(), 'rapport-bench-'));
const started = load();
try {
  const rows = [...(await mboxRows(dir)), ...(await imapRows(dir))];
  printTable(`mail-bridge benchmark: medians of ${RUNS} runs; Node ${process.version}; ${started} at start, ${load()} at end`, rows);
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);

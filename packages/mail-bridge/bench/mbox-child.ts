/**
 * One mbox benchmark run as its own process, so its peak RSS comes from the OS (the parent runs it
 * under `/usr/bin/time -v`). argv[2] is JSON: `{ mode: 'import', file, dir, name }` imports the file
 * into a new SQLite CRM (made before the clock starts, as in process); `{ mode: 'parse', file }` runs
 * the plain mailparser loop. Prints the work's wall and CPU time (ms, worker threads included;
 * process start and module loading excluded, the parse worker's too) as JSON.
 */
import { importMbox } from '../src/index.js';
import { sharedParsePool } from '../src/parse-pool.js';
import { parseLoop } from './mbox-floor.js';
import { newCrm } from './support.js';

const job = JSON.parse(process.argv[2]!) as { mode: 'import' | 'parse'; file: string; dir?: string; name?: string };
const crm = job.mode === 'import' ? await newCrm(job.dir!, job.name!) : null;
// The floor's modules are loaded before its clock starts; so are the parse worker's (a thread
// loading mailparser and the sanitiser), by one tiny message. Its JIT stays cold, like the floor's.
if (crm) await sharedParsePool().parse(Buffer.from('From: a@b.test\r\nSubject: warm\r\n\r\nx\r\n'));
const t = performance.now();
const c = process.cpuUsage();
let n: number;
if (crm) {
  const report = await importMbox(crm, job.file, { resume: false });
  if (report.quarantined || report.failed) throw new Error(`${job.name}: ${JSON.stringify(report).slice(0, 300)}`);
  n = report.imported;
} else n = await parseLoop(job.file);
const ms = performance.now() - t;
const used = process.cpuUsage(c);
await crm?.close();
process.stdout.write(`${JSON.stringify({ n, ms, cpu: (used.user + used.system) / 1000 })}\n`);
process.exit(0);

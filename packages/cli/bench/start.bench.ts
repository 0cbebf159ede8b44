// Start time of the built `rapport` command next to a bare `node -e 0`: what the CLI itself costs
// before any command runs. It runs dist/main.cjs, the entry bin/rapport.js loads when installed.
// --version loads nothing but the entry; --help builds the command line (commander, bundled) with
// every command listed by name only; `tasks list --help` loads that one command's module too. The
// CRM, adapters, mail bridge and HTTP server are imported when a command runs: `tasks list` on an
// empty SQLite database (made by `init` before the runs) is the cold start of a real command.
// Builds the CLI first when dist/ is missing. RUNS=N sets the number of runs (default 15).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const main = fileURLToPath(new URL('../dist/main.cjs', import.meta.url));
const runs = Number(process.env.RUNS ?? 15);

if (!existsSync(main)) execFileSync('npx', ['tsup'], { cwd: pkg, stdio: 'inherit' });
const dir = mkdtempSync(join(tmpdir(), 'rapport-start-'));
const db = `sqlite:${join(dir, 'crm.db')}`;
execFileSync(process.execPath, [main, '--db', db, 'init'], { stdio: 'ignore' });

function once(args: string[]): number {
  const t = process.hrtime.bigint();
  execFileSync(process.execPath, args, { stdio: 'ignore' });
  return Number(process.hrtime.bigint() - t) / 1e6;
}

// Interleaved runs, so a change of machine load touches every command alike.
const commands: Array<[label: string, args: string[]]> = [
  ['node -e 0', ['-e', '0']],
  ['rapport --version', [main, '--version']],
  ['rapport --help', [main, '--help']],
  ['rapport tasks --help', [main, 'tasks', '--help']],
  ['rapport tasks list --help', [main, 'tasks', 'list', '--help']],
  ['rapport tasks list (empty SQLite)', [main, '--db', db, 'tasks', 'list']],
];
const times = new Map<string, number[]>(commands.map(([label]) => [label, []]));
for (let i = 0; i < runs; i++) {
  for (const [label, args] of commands) times.get(label)!.push(once(args));
}
const med = (label: string) => {
  const list = [...times.get(label)!].sort((a, b) => a - b);
  return list[Math.floor(list.length / 2)]!;
};
const bare = med('node -e 0');
console.log(`CLI start, median of ${runs} runs each (load ${loadavg()[0]!.toFixed(2)}; budget: --help within 150 ms on an idle machine)`);
console.log('| command | median ms | × node -e 0 | CLI own ms |');
console.log('|---|---:|---:|---:|');
for (const [label] of commands) {
  const m = med(label);
  console.log(`| ${label} | ${m.toFixed(0)} | ${(m / bare).toFixed(2)} | ${label === 'node -e 0' ? '' : (m - bare).toFixed(0)} |`);
}
rmSync(dir, { recursive: true, force: true });

// Start time of the built `rapport` command (`rapport --help`, which opens no database) next to a
// bare `node -e 0`: what the CLI itself costs before any command runs. Commands load their
// dependencies (storage adapters, mail bridge, HTTP server) lazily, so --help loads none.
// Builds the CLI first when dist/ is missing. RUNS=N sets the number of runs (default 15).
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const pkg = fileURLToPath(new URL('..', import.meta.url));
const main = fileURLToPath(new URL('../dist/main.js', import.meta.url));
const runs = Number(process.env.RUNS ?? 15);

if (!existsSync(main)) execFileSync('npx', ['tsup'], { cwd: pkg, stdio: 'inherit' });

function median(args: string[]): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = process.hrtime.bigint();
    execFileSync(process.execPath, args, { stdio: 'ignore' });
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)]!;
}

const bare = median(['-e', '0']);
const help = median([main, '--help']);
console.log(`node -e 0:       ${bare.toFixed(0)} ms (median of ${runs})`);
console.log(`rapport --help:  ${help.toFixed(0)} ms (median of ${runs}); the CLI's own cost ${(help - bare).toFixed(0)} ms`);

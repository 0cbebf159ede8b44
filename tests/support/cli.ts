/**
 * The `rapport` CLI in a child process, as cross-package tests run it: from the sources (node with
 * tsx as its loader, one process: a signal to it reaches the CLI itself) or from the build
 * (packages/cli/dist/main.js, `built: true`).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const SOURCE_MAIN = join(repoRoot, 'packages/cli/src/main.ts');
const BUILT_MAIN = join(repoRoot, 'packages/cli/dist/main.js');

/** Whether `npm run build` has produced the packages' dist/ (CI builds before it tests). */
export const cliBuilt = () => existsSync(BUILT_MAIN);

export interface CliOptions {
  /** Added to this process's environment. */
  env?: Record<string, string>;
  /** Working directory (default: the repository root; the sources run only there, where tsx finds the workspace's tsconfig). */
  cwd?: string;
  /** The built CLI (dist/) instead of the sources. */
  built?: boolean;
  /** Options for node before the script, e.g. `['--require', preload]`. */
  nodeArgs?: string[];
  timeoutMs?: number;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

function argv(args: string[], o: CliOptions): string[] {
  const main = o.built ? [BUILT_MAIN] : ['--import', 'tsx', SOURCE_MAIN];
  return [...(o.nodeArgs ?? []), ...main, ...args];
}

function spawnOptions(o: CliOptions) {
  // tsx and the workspace's tsconfig paths are found from the working directory.
  if (o.cwd && !o.built) throw new Error('the CLI from the sources runs in the repository root');
  return { cwd: o.cwd ?? repoRoot, env: { ...process.env, ...o.env } };
}

/** Runs `rapport ARGS` to its end; a non-zero exit is a result (code, output), not an exception. */
export function runCli(args: string[], o: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(process.execPath, argv(args, o), { ...spawnOptions(o), timeout: o.timeoutMs ?? 60_000, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err ? (typeof (err as { code?: unknown }).code === 'number' ? (err as { code: number }).code : 1) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

export interface CliProcess {
  child: ChildProcess;
  exited: Promise<number | null>;
  stdout: () => string;
  stderr: () => string;
  /** Each complete stdout line as it arrives (JSON-lines commands such as `--watch`). */
  onLine: (fn: (line: string) => void) => void;
}

/** Starts a long-running `rapport ARGS` (worker, watch, serve); the caller stops it. */
export function spawnCli(args: string[], o: CliOptions = {}): CliProcess {
  const child = spawn(process.execPath, argv(args, o), spawnOptions(o));
  let stdout = '';
  let stderr = '';
  let partial = '';
  const listeners: Array<(line: string) => void> = [];
  child.stderr!.on('data', (d) => (stderr += d));
  child.stdout!.on('data', (d) => {
    stdout += d;
    partial += d;
    const lines = partial.split('\n');
    partial = lines.pop()!;
    for (const line of lines) if (line.trim()) for (const fn of listeners) fn(line);
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, exited, stdout: () => stdout, stderr: () => stderr, onLine: (fn) => listeners.push(fn) };
}

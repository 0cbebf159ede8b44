// Tries the packages as a new user gets them from npm (run after `npm run build`):
//  1. packs every workspace package and lints each tarball with publint and arethetypeswrong;
//  2. installs the tarballs into a fresh project;
//  3. type-checks the README's quick start with `tsc --strict` as ESM (.mts) and as CommonJS
//     (.cts, compiled to require()), together with an import of every package's types,
//     then runs both;
//  4. runs `rapport demo --no-serve` from the installed bin, and `rapport serve`, whose
//     /manifests/* must answer 200.
// Prints the time of each step. Usage: npx tsx scripts/check-packages.ts [--keep]
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = (name: string) => join(root, 'node_modules', '.bin', name);
const work = mkdtempSync(join(tmpdir(), 'rapport-packages-'));
const tarballs = join(work, 'tarballs');
const app = join(work, 'app');
const started = Date.now();

async function step<T>(title: string, fn: () => T | Promise<T>): Promise<T> {
  const t = Date.now();
  process.stdout.write(`-- ${title}\n`);
  const result = await fn();
  process.stdout.write(`   ${((Date.now() - t) / 1000).toFixed(1)} s\n`);
  return result;
}

function sh(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  return execFileSync(command, args, { cwd, env: { ...process.env, ...env }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
}

/** The package name in a tarball made by npm pack (rapport-mail-bridge-0.1.0.tgz → @rapport/mail-bridge). */
function tarballName(file: string): string {
  const name = /^rapport-(.+)-\d+\.\d+\.\d+\.tgz$/.exec(basename(file))?.[1];
  if (!name) throw new Error(`unexpected tarball name ${file}`);
  return `@rapport/${name}`;
}

/** The README's first ```ts block under "## Quick start". */
function quickStart(): string {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const block = /## Quick start[\s\S]*?```ts\n([\s\S]*?)```/.exec(readme)?.[1];
  if (!block) throw new Error('README.md has no ```ts block under "## Quick start"');
  return block;
}

/**
 * The same program as CommonJS: in a .cts file TypeScript compiles the imports to require()
 * (typed through the packages' .d.cts), and the rest runs in an async main (no top-level await).
 */
function asCommonJs(esm: string): string {
  const lines = esm.trimEnd().split('\n');
  const imports = lines.filter((l) => l.startsWith('import '));
  const body = lines.filter((l) => !l.startsWith('import ')).map((l) => `  ${l}`);
  return `${imports.join('\n')}\n\nasync function main() {\n${body.join('\n')}\n}\nvoid main();\n`;
}

// Every package's public types, so a type the published .d.ts needs but the tarball lacks fails.
const EVERY_PACKAGE = [
  "import type * as core from '@rapport/core';",
  "import type * as testing from '@rapport/core/testing';",
  "import type * as adapters from '@rapport/storage-adapters';",
  "import type * as mail from '@rapport/mail-bridge';",
  "import type * as exporting from '@rapport/export';",
  "import type * as addin from '@rapport/outlook-addin';",
  "import type * as cli from '@rapport/cli';",
  'export type Everything = [typeof core, typeof testing, typeof adapters, typeof mail, typeof exporting, typeof addin, typeof cli];',
].join('\n');

try {
  await step('npm pack (every workspace package)', () => {
    mkdirSync(tarballs);
    sh('npm', ['pack', '--workspaces', '--pack-destination', tarballs, '--silent'], root);
  });
  const files = readdirSync(tarballs)
    .filter((f) => f.endsWith('.tgz'))
    .map((f) => join(tarballs, f));

  if (!process.argv.includes('--skip-lint'))
    await step('publint --strict and attw --profile node16 on each tarball', () => {
      for (const file of files) {
        sh(bin('publint'), ['run', '--strict', file], root);
        // node16: Node 20 resolution from CJS and ESM, and bundlers (node10 is older than our engines).
        sh(bin('attw'), [file, '--profile', 'node16', '--format', 'ascii', '--no-emoji'], root);
      }
    });

  await step('npm install the tarballs into a fresh project', () => {
    mkdirSync(app);
    // Our packages depend on each other by version: the overrides make npm take them from the
    // tarballs, never from a registry. better-sqlite3 is the workspace's own compiled copy, linked,
    // and --ignore-scripts keeps npm from rebuilding it (compiling it takes minutes); nothing else
    // installed here needs an install script.
    const overrides: Record<string, string> = { 'better-sqlite3': `file:${join(root, 'node_modules', 'better-sqlite3')}` };
    for (const file of files) overrides[tarballName(file)] = `$${tarballName(file)}`;
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'rapport-user', private: true, version: '0.0.0', overrides }, null, 2));
    const versions = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).devDependencies as Record<string, string>;
    sh(
      'npm',
      [
        'install',
        '--ignore-scripts',
        '--no-audit',
        '--no-fund',
        '--prefer-offline',
        '--loglevel=error',
        ...files,
        `typescript@${versions.typescript}`,
        `@types/node@${versions['@types/node']}`,
      ],
      app,
    );
  });

  await step('README quick start type-checked with tsc --strict (ESM and CommonJS)', () => {
    const esm = quickStart();
    writeFileSync(join(app, 'quickstart.mts'), `${esm}\n${EVERY_PACKAGE}\n`);
    writeFileSync(join(app, 'quickstart.cts'), `${asCommonJs(esm)}\n${EVERY_PACKAGE}\n`);
    // Strict, node16 resolution, and the packages' own .d.ts checked too (no skipLibCheck).
    sh(
      join(app, 'node_modules', '.bin', 'tsc'),
      [
        '--strict',
        '--module',
        'nodenext',
        '--moduleResolution',
        'nodenext',
        '--target',
        'es2022',
        '--types',
        'node',
        '--outDir',
        'out',
        'quickstart.mts',
        'quickstart.cts',
      ],
      app,
    );
  });

  await step('README quick start run as ESM and as CommonJS', () => {
    for (const file of ['quickstart.mjs', 'quickstart.cjs']) {
      rmSync(join(app, 'crm.db'), { force: true });
      const out = sh('node', [join('out', file)], app);
      if (!out.includes('task.created')) throw new Error(`${file} printed no task.created event:\n${out}`);
    }
  });

  await step('rapport demo --no-serve from the installed bin', () => {
    const report = JSON.parse(sh(join(app, 'node_modules', '.bin', 'rapport'), ['demo', '--no-serve', '--json'], app));
    if (!(report.import?.imported > 0)) throw new Error(`rapport demo imported nothing from the sample mailbox: ${JSON.stringify(report.import)}`);
    if (!(report.seeded?.partners > 0)) throw new Error(`rapport demo seeded nothing: ${JSON.stringify(report.seeded)}`);
  });

  await step('rapport serve: /manifests/* answer 200', () => serveManifests());
  process.stdout.write(`packages: all checks passed in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
} finally {
  if (!process.argv.includes('--keep')) rmSync(work, { recursive: true, force: true });
  else process.stdout.write(`kept ${work}\n`);
}

/** Starts the installed `rapport serve` on a free port over plain HTTP and fetches both manifests. */
async function serveManifests(): Promise<void> {
  const child = spawn(join(app, 'node_modules', '.bin', 'rapport'), ['serve', '--port', '0', '--no-tls', '--json', '--db', 'sqlite:./rapport-demo.db'], {
    cwd: app,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    let out = '';
    const started = await new Promise<{ manifests: { servedXml: string; servedJson: string } }>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        try {
          resolve(JSON.parse(out));
        } catch {
          // the JSON object is not complete yet
        }
      });
      child.once('exit', (code) => reject(new Error(`rapport serve exited with ${code} before listening`)));
    });
    for (const url of [started.manifests.servedXml, started.manifests.servedJson]) {
      const response = await fetch(url);
      if (response.status !== 200) throw new Error(`${url} answered ${response.status}: ${await response.text()}`);
    }
  } finally {
    child.kill('SIGTERM');
  }
}

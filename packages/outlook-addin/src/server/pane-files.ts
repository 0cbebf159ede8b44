import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
};

/** The root of this package (where package.json is), from src/ or from dist/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
}

/** Where `npm run build:pane` writes the pane (HTML, one JS bundle, CSS, icons). */
export function defaultPaneDir(): string {
  return join(packageRoot(), 'dist', 'pane');
}

/** Reads one pane file by a plain name (no paths out of the folder); null when absent. */
export async function readPaneFile(dir: string, name: string): Promise<{ body: Buffer; type: string } | null> {
  if (!/^(icons\/)?[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || name.includes('..')) return null;
  const type = TYPES[extname(name)];
  if (!type) return null;
  try {
    return { body: await readFile(join(dir, name)), type };
  } catch {
    return null;
  }
}

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

/** The add-in manifests in this package (the Outlook ones point at https://localhost:3000). */
export function manifestPaths() {
  const root = packageRoot();
  return {
    outlookXml: join(root, 'manifests', 'outlook-addin.xml'),
    unifiedJson: join(root, 'manifests', 'manifest.json'),
    thunderbird: join(root, 'manifests', 'thunderbird', 'manifest.json'),
    /** Present after `npm run build:xpi -w @rapport/outlook-addin`. */
    thunderbirdXpi: join(root, 'dist', 'rapport-thunderbird-0.1.0.xpi'),
  };
}

export const MANIFESTS: Record<string, { path: string; type: string }> = {
  'outlook-addin.xml': { path: 'outlook-addin.xml', type: 'application/xml; charset=utf-8' },
  'manifest.json': { path: 'manifest.json', type: 'application/json; charset=utf-8' },
};

const DEV_ORIGIN = 'https://localhost:3000';

/** A manifest with its URLs moved from the dev origin to `origin`. */
export async function manifestFor(name: string, origin: string): Promise<string> {
  const text = await readFile(join(packageRoot(), 'manifests', name), 'utf8');
  const host = new URL(origin).host;
  return text.split(DEV_ORIGIN).join(origin).split('"localhost:3000"').join(JSON.stringify(host));
}

import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../server/pane-files.js';

export interface PaneBuild {
  outDir: string;
  /** Size of pane.js in bytes (minified, before compression). */
  bytes: number;
}

/**
 * Builds the task pane into `outDir`: one minified bundle (pane.js), the two pages (Outlook's
 * taskpane.html, Thunderbird's popup.html), pane.css and the icons. Needs esbuild (dev).
 */
export async function buildPane(outDir = join(packageRoot(), 'dist', 'pane')): Promise<PaneBuild> {
  const { build } = await import('esbuild');
  const root = packageRoot();
  mkdirSync(join(outDir, 'icons'), { recursive: true });
  const result = await build({
    entryPoints: [join(root, 'src/pane/main.ts')],
    outfile: join(outDir, 'pane.js'),
    bundle: true,
    minify: true,
    format: 'iife',
    target: ['chrome109', 'firefox115', 'safari15'],
    legalComments: 'none',
    metafile: true,
    logLevel: 'silent',
  });
  for (const file of ['taskpane.html', 'popup.html', 'pane.css']) copyFileSync(join(root, 'src/pane', file), join(outDir, file));
  for (const icon of readdirSync(join(root, 'manifests/icons'))) copyFileSync(join(root, 'manifests/icons', icon), join(outDir, 'icons', icon));
  const bytes = Object.values(result.metafile.outputs).reduce((n, o) => n + o.bytes, 0);
  return { outDir, bytes };
}

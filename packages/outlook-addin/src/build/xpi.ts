import { copyFileSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { packageRoot } from '../server/pane-files.js';
import { buildPane } from './pane.js';

export interface XpiBuild {
  /** The packaged extension. */
  xpi: string;
  /** The folder it was made from (manifest, popup, bundle, icons). */
  sourceDir: string;
}

/**
 * Packages the Thunderbird MailExtension with web-ext: the Thunderbird manifest plus the same
 * pane bundle the Outlook add-in serves, all inside the .xpi (no remote code). Needs web-ext (dev).
 */
export async function buildXpi(outDir = join(packageRoot(), 'dist')): Promise<XpiBuild> {
  const root = packageRoot();
  const sourceDir = join(outDir, 'thunderbird');
  rmSync(sourceDir, { recursive: true, force: true });
  await buildPane(sourceDir);
  rmSync(join(sourceDir, 'taskpane.html'));
  copyFileSync(join(root, 'manifests/thunderbird/manifest.json'), join(sourceDir, 'manifest.json'));
  const { version } = JSON.parse(readFileSync(join(sourceDir, 'manifest.json'), 'utf8')) as { version: string };
  mkdirSync(outDir, { recursive: true });
  const filename = `rapport-thunderbird-${version}.xpi`;
  // web-ext ships no types; the module name is a variable so TypeScript does not look for them.
  const moduleName = 'web-ext';
  const { default: webExt } = (await import(moduleName)) as { default: { cmd: { build(p: object, o: object): Promise<{ extensionPath: string }> } } };
  const result = await webExt.cmd.build(
    { sourceDir, artifactsDir: outDir, filename, overwriteDest: true },
    { showReadyMessage: false, shouldExitProgram: false },
  );
  return { xpi: result.extensionPath, sourceDir };
}

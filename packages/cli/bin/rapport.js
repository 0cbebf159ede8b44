#!/usr/bin/env node
// The `rapport` command. Installed from npm it runs the build (dist/); in a clone of the
// repository, where src/ is present and nothing need be built, it runs the sources through tsx
// in this process (no child process, so signals reach the server directly).
import { existsSync } from 'node:fs';
import { fileURLToPath, URL } from 'node:url';

const source = new URL('../src/main.ts', import.meta.url);
if (existsSync(source)) {
  const { register } = await import('tsx/esm/api');
  // The workspace's tsconfig maps @rapport/* to their sources, wherever the command runs from.
  register({ tsconfig: fileURLToPath(new URL('../../../tsconfig.json', import.meta.url)) });
  await import(source.href);
} else {
  await import('../dist/main.js');
}

#!/usr/bin/env node
// The `rapport` command. Installed from npm it runs the build (dist/); in a clone of the
// repository, where src/ is present and nothing need be built, it runs the sources through tsx
// in this process (no child process, so signals reach the server directly).
// CommonJS (bin/package.json), like dist/main.cjs: an installed `rapport --help` then starts
// without Node's ES module loader, which costs tens of milliseconds before the first command.
const { existsSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');

const source = join(__dirname, '../src/main.ts');
if (existsSync(source)) {
  void import('tsx/esm/api').then(({ register }) => {
    // The workspace's tsconfig maps @rapport/* to their sources, wherever the command runs from.
    register({ tsconfig: join(__dirname, '../../../tsconfig.json') });
    return import(pathToFileURL(source).href);
  });
} else {
  require('../dist/main.cjs');
}

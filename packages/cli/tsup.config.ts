import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/main.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  // import.meta.url (the sample mailbox lookup) in the CJS build too.
  shims: true,
  sourcemap: true,
  target: 'node20',
  // One file rather than commander's eight: resolving and loading each costs the start of every command.
  noExternal: ['commander'],
  // Bundled into ESM, commander's CommonJS still requires node:events and friends.
  banner: ({ format }) => (format === 'esm' ? { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" } : {}),
});

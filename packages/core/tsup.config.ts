import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/store/index.ts', 'src/testing/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  // import.meta.url (lazy.ts loads dependencies relative to it) in the CJS build too.
  shims: true,
});

import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  dts: true,
  clean: false,
  // import.meta.url (pane folder lookup) in the CJS build too.
  shims: true,
  sourcemap: true,
  target: 'node20',
  external: ['esbuild'],
});

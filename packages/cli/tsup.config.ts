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
});

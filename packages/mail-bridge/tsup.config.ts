import { defineConfig } from 'tsup';

export default defineConfig({
  // The parse worker is an entry of its own: ParsePool starts dist/parse-worker.{js,cjs} beside index.
  entry: ['src/index.ts', 'src/parse-worker.ts'],
  format: ['esm', 'cjs'],
  dts: { entry: 'src/index.ts' },
  clean: true,
  sourcemap: true,
  target: 'node20',
  // import.meta.url in the CJS build (ParsePool finds the worker beside it).
  shims: true,
});

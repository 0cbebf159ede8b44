import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

/** Test files that run on every store, through `testStore()`. */
const storeMatrix = ['tests/domain/**/*.test.ts', 'tests/emails/**/*.test.ts', 'tests/access/**/*.test.ts'];

// Tests run against sources: workspace packages resolve to their src/ entry points.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@rapport\/core\/testing$/, replacement: src('core/src/testing/index.ts') },
      { find: /^@rapport\/core\/store$/, replacement: src('core/src/store/index.ts') },
      { find: /^@rapport\/core$/, replacement: src('core/src/index.ts') },
      { find: /^@rapport\/storage-adapters$/, replacement: src('storage-adapters/src/index.ts') },
      { find: /^@rapport\/mail-bridge$/, replacement: src('mail-bridge/src/index.ts') },
      { find: /^@rapport\/export$/, replacement: src('export/src/index.ts') },
      { find: /^@rapport\/outlook-addin$/, replacement: src('outlook-addin/src/index.ts') },
      { find: /^@rapport\/cli$/, replacement: src('cli/src/index.ts') },
    ],
  },
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // The store matrix (tests/support/stores.ts): every test runs once in `rapport` (domain tests
    // on the memory store); the domain tests that touch storage run again on a SQLite file and on
    // PostgreSQL. Files that iterate the stores themselves (`describe.each(stores)`) are not listed.
    projects: [
      { extends: true, test: { name: 'rapport', include: ['packages/*/test/**/*.test.ts', 'tests/**/*.test.ts'] } },
      { extends: true, test: { name: 'sqlite', include: storeMatrix, env: { RAPPORT_TEST_STORE: 'sqlite' } } },
      // A test that opens several stores migrates a schema for each (2 s and more on a busy machine).
      { extends: true, test: { name: 'postgres', include: storeMatrix, env: { RAPPORT_TEST_STORE: 'postgres' }, testTimeout: 60_000 } },
    ],
  },
});

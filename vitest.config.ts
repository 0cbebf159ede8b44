import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

const src = (p: string) => fileURLToPath(new URL(`./packages/${p}`, import.meta.url));

// Tests run against sources: workspace packages resolve to their src/ entry points.
export default defineConfig({
  resolve: {
    alias: [
      { find: /^@rapport\/core\/testing$/, replacement: src('core/src/testing/index.ts') },
      { find: /^@rapport\/core\/store$/, replacement: src('core/src/store/index.ts') },
      { find: /^@rapport\/core$/, replacement: src('core/src/index.ts') },
      { find: /^@rapport\/storage-adapters$/, replacement: src('storage-adapters/src/index.ts') },
      { find: /^@rapport\/mail-bridge$/, replacement: src('mail-bridge/src/index.ts') },
      { find: /^@rapport\/outlook-addin$/, replacement: src('outlook-addin/src/index.ts') },
      { find: /^@rapport\/cli$/, replacement: src('cli/src/index.ts') },
    ],
  },
  test: {
    include: ['packages/*/test/**/*.test.ts', 'tests/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});

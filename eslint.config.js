import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// The dependency direction: core → nothing; adapters → core; mail-bridge → core;
// add-in → core, mail-bridge; cli → all. Tests that cross it live in tests/.
const PACKAGES = ['core', 'storage-adapters', 'mail-bridge', 'outlook-addin', 'cli'];
const DRIVERS = ['pg', 'better-sqlite3', 'typeorm'];
const layers = [
  { pkg: 'core', may: [], drivers: false },
  { pkg: 'storage-adapters', may: ['core'], drivers: true },
  { pkg: 'mail-bridge', may: ['core'], drivers: false },
  { pkg: 'outlook-addin', may: ['core', 'mail-bridge'], drivers: false },
];

function dependencyDirection({ pkg, may, drivers }) {
  const above = PACKAGES.filter((p) => p !== pkg && !may.includes(p));
  const names = above.join('|');
  // The package name, or a relative path into the package's folder (`../../cli/src/…`).
  const regex = `^@rapport/(${names})(/|$)|(^|/)\\.\\./(${names})/`;
  const message = `${pkg} may import ${may.length ? may.map((p) => `@rapport/${p}`).join(' and ') : 'no other package'}; a test that needs more belongs in tests/`;
  const patterns = [{ regex, message }];
  if (!drivers) patterns.push({ group: DRIVERS, message: `database drivers belong to @rapport/storage-adapters; ${message}` });
  const dynamic = `ImportExpression[source.value=/${regex.replaceAll('/', '\\x2F')}/]`;
  return {
    files: [`packages/${pkg}/src/**/*.ts`, `packages/${pkg}/test/**/*.ts`],
    rules: {
      'no-restricted-imports': ['error', { patterns }],
      'no-restricted-syntax': ['error', { selector: dynamic, message }],
    },
  };
}

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', '**/*.xpi', 'packages/outlook-addin/public/**', 'docs/api/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Type information for the rules that need it; every .ts file is in tsconfig.json.
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  ...layers.map(dependencyDirection),
  {
    // `rapport --help` must not load the CRM: at start the CLI imports core's types only; errors come
    // from @rapport/core/store, option choices from src/choices.ts, and the CRM by import() when a
    // command runs (worker-run.ts is itself imported that way).
    files: ['packages/cli/src/**/*.ts'],
    ignores: ['packages/cli/src/commands/worker-run.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@rapport/core', allowTypeImports: true, message: 'load @rapport/core with import() inside the command (see src/choices.ts, src/db.ts)' },
          ],
        },
      ],
    },
  },
  {
    // CommonJS (bin/package.json), so that an installed `rapport` starts without the ES module loader.
    files: ['packages/cli/bin/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', __dirname: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);

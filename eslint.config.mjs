// @ts-check
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import { createNodeResolver, importX } from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// Workflow code runs in Temporal's deterministic sandbox: the bundle it is built into must not pull in
// Node built-ins, I/O libraries or worker-side Temporal packages (they break replay or the bundler).
const SANDBOX_MESSAGE =
  "runs inside Temporal's deterministic workflow sandbox; keep Node built-ins, I/O libraries and worker-side Temporal packages out of it (do that work in an activity or worker-side interceptor).";

// Plain Node scripts are linted without type information, so declare the Node globals they use
// rather than depending on a transitive copy of the `globals` package.
const nodeGlobals = Object.fromEntries(
  [
    'process',
    'console',
    'Buffer',
    'URL',
    'URLSearchParams',
    'setTimeout',
    'clearTimeout',
    'setInterval',
    'clearInterval',
    'setImmediate',
    'clearImmediate',
    'structuredClone',
    'fetch',
  ].map((name) => [name, 'readonly']),
);

export default defineConfig(
  {
    ignores: ['dist/', 'node_modules/', '.tools/', 'drizzle/', '.lineage/', '.demo-data/', 'test-output/'],
  },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: true,
        tsconfigRootDir: import.meta.dirname,
      },
    },
    plugins: { 'import-x': importX },
    settings: {
      // import-x only parses (and so only follows imports through) files it knows how to read.
      'import-x/extensions': ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs'],
      'import-x/parsers': { '@typescript-eslint/parser': ['.ts', '.mts', '.cts'] },
      'import-x/external-module-folders': ['node_modules', 'node_modules/@types'],
      // The built-in resolver is enough: TS sources import siblings either extensionless or with the
      // `.js` suffix Node16 resolution expects, which `extensionAlias` maps back to the `.ts` file.
      'import-x/resolver-next': [
        createNodeResolver({
          extensions: ['.ts', '.mts', '.cts', '.js', '.mjs', '.cjs', '.json', '.node'],
          extensionAlias: { '.js': ['.ts', '.js'], '.mjs': ['.mts', '.mjs'], '.cjs': ['.cts', '.cjs'] },
        }),
      ],
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Cycles only matter between our own modules; not walking into node_modules keeps this fast.
      'import-x/no-cycle': ['error', { ignoreExternal: true }],
    },
  },
  {
    files: [
      'workflows/**/*.ts',
      'src/capture/workflow-interceptors.ts',
      'src/capture/lineage-header.ts',
      'src/capture/sink-types.ts',
      'src/rerun/rerun-workflow.ts',
    ],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [
                'node:*',
                'fs',
                'fs/*',
                'path',
                'path/*',
                'os',
                'crypto',
                'child_process',
                'net',
                'http',
              ],
              message: `Node built-ins are not available here: this file ${SANDBOX_MESSAGE}`,
            },
            {
              group: [
                'postgres',
                'postgres/*',
                'drizzle-orm',
                'drizzle-orm/*',
                '@electric-sql/*',
                'zod',
                'zod/*',
              ],
              message: `Database and validation libraries are worker-side only: this file ${SANDBOX_MESSAGE}`,
            },
            {
              group: [
                '@temporalio/worker',
                '@temporalio/worker/*',
                '@temporalio/client',
                '@temporalio/client/*',
                '@temporalio/activity',
                '@temporalio/activity/*',
              ],
              message: `Use @temporalio/workflow (or @temporalio/common) instead: this file ${SANDBOX_MESSAGE}`,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: nodeGlobals },
    rules: {
      '@typescript-eslint/no-unused-vars': 'off',
      'no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'off',
    },
  },
  {
    // The web UI's ES modules run in the browser, served as they are (no bundler, no Node).
    files: ['src/ui/public/**/*.js'],
    languageOptions: {
      globals: Object.fromEntries(
        [
          'window',
          'document',
          'location',
          'history',
          'Node',
          'fetch',
          'URLSearchParams',
          'AbortController',
        ].map((name) => [name, 'readonly']),
      ),
    },
  },
);

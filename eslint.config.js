// Lint setup for rackroute: @eslint/js and typescript-eslint recommended rules on every
// source and test file; build output and dependencies are not linted. Unused variables,
// arguments and caught errors are allowed when their name starts with `_`.
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

const unusedUnderscore = {
  argsIgnorePattern: '^_',
  varsIgnorePattern: '^_',
  caughtErrorsIgnorePattern: '^_',
  destructuredArrayIgnorePattern: '^_',
};

/** Node's globals for plain .js/.mjs scripts (TypeScript files get them from @types/node). */
const nodeGlobals = Object.fromEntries(
  ['process', 'console', 'Buffer', 'URL', 'setTimeout', 'clearTimeout', 'setImmediate', 'setInterval', 'clearInterval', 'queueMicrotask', 'structuredClone', 'globalThis'].map((g) => [g, 'readonly']),
);

export default defineConfig([
  globalIgnores(['dist/', 'node_modules/', 'coverage/', 'test/fuzz/work/', '**/*.d.ts']),
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    languageOptions: { globals: nodeGlobals },
  },
  {
    rules: {
      'no-unused-vars': 'off',
      '@typescript-eslint/no-unused-vars': ['error', unusedUnderscore],
    },
  },
]);

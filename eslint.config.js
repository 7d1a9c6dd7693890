// Lint keeps the layering of DESIGN.md honest: pure cores import no IO, and imports point one way.
import tseslint from 'typescript-eslint';
import importX from 'eslint-plugin-import-x';

const NODE_BUILTINS = ['node:*', 'fs', 'path', 'http', 'https', 'net', 'child_process', 'os', 'crypto', 'process', 'timers'];
const IO_PACKAGES = ['fastify', 'pino', 'undici', 'commander'];

/** Pure folders: deterministic, no IO, no shells. */
const pureRestrictions = {
  'no-restricted-imports': ['error', {
    patterns: [
      { group: NODE_BUILTINS, message: 'Pure cores do no IO: pass what you need in (time, randomness, data).' },
      { group: IO_PACKAGES, message: 'Pure cores do no IO.' },
      { group: ['**/shell/**', '**/common/http/**', '**/common/log*', '**/cli/**', '**/sdk/**'], message: 'Pure cores never import shells.' },
    ],
  }],
  'no-restricted-globals': ['error',
    { name: 'setTimeout', message: 'Timers belong to the shell; the core gets time passed in.' },
    { name: 'setInterval', message: 'Timers belong to the shell.' },
    { name: 'process', message: 'Pure cores do not touch the process.' },
  ],
  'no-restricted-properties': ['error',
    { object: 'Date', property: 'now', message: 'Time is passed in (nowMs).' },
    { object: 'Math', property: 'random', message: 'Randomness comes from a seeded Rng.' },
  ],
};

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'ui/dist/**'] },
  ...tseslint.configs.recommended,
  {
    files: ['src/**/*.ts', 'test/**/*.ts', 'bench/**/*.ts', 'ui/src/**/*.ts', 'ui/src/**/*.tsx'],
    plugins: { 'import-x': importX },
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': ['error', { allowForKnownSafeCalls: [
        { from: 'package', package: 'node:test', name: ['test', 'it', 'describe', 'suite'] },
      ] }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'import-x/no-cycle': 'error',
    },
  },
  { files: ['src/allocator/**/*.ts', 'src/master/core/**/*.ts', 'src/agent/core/**/*.ts'], rules: pureRestrictions },
  {
    files: ['src/common/**/*.ts', 'src/api/**/*.ts'],
    ignores: ['src/common/http/**', 'src/common/log.ts', 'src/common/shell/**'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/master/**', '**/agent/**', '**/allocator/**', '**/sdk/**', '**/cli/**', '**/executor/**', '**/sim/**'], message: 'common and api sit below everything: they import nothing above them.' },
      ] }],
    },
  },
  {
    // The web UI's model is pure like the cores: the stream's events in, the picture out.
    files: ['ui/src/model/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['react', 'react-dom', 'react-dom/*', '**/live/**', '**/views/**', '**/components/**'], message: 'The UI model does no IO and renders nothing: views and the live layer import it, never the reverse.' },
      ] }],
      'no-restricted-globals': ['error', 'window', 'document', 'fetch', 'setTimeout', 'setInterval', 'localStorage'],
      'no-restricted-properties': ['error', { object: 'Date', property: 'now', message: 'Time is passed in (nowMs).' }],
    },
  },
  {
    files: ['src/sim/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [
        { group: ['**/shell/**', '**/common/http/**'], message: 'The simulator drives cores, never shells.' },
        { group: NODE_BUILTINS, message: 'The simulator is deterministic: no IO.' },
      ] }],
    },
  },
);

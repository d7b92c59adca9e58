import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** One refusal type (bot/core/outcome.ts): a failing result is `{ ok: false, refusal }` and nothing else, so a
 *  refusal's code, text and status always come from the catalogue. Exported for the test that proves the rule bites. */
export const ONE_REFUSAL_SHAPE = {
  selector:
    "ObjectExpression:has(> Property[key.name='ok'][value.value=false]):has(> " +
    "Property[key.name!='ok'][key.name!='refusal'], > SpreadElement)",
  message:
    'A failing result is { ok: false, refusal } with a refusal from the catalogue (refuse()/refused(), ' +
    'bot/core/outcome.ts), nothing beside it.',
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.void-test-builds/**', 'test/bench/results/**', 'deploy/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: Object.fromEntries(
        [
          'process',
          'console',
          'setTimeout',
          'clearTimeout',
          'setInterval',
          'clearInterval',
          'setImmediate',
          'Buffer',
          'URL',
          'URLSearchParams',
          'fetch',
          'performance',
          'structuredClone',
          'AbortController',
          'AbortSignal',
          'TextEncoder',
          'TextDecoder',
          'queueMicrotask',
          'Response',
          'Request',
          'Headers',
        ].map((name) => [name, 'readonly']),
      ),
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Only the config module reads process.env (STYLE.md).',
        },
        ONE_REFUSAL_SHAPE,
      ],
    },
  },
  {
    // Lines of at most 120 columns and files of at most 300 lines (issue 16, STYLE.md), for code, comments, strings,
    // templates, regexes and test titles alike, with no exception. Long strings and test titles are cut with `+`
    // (the value, and the title vitest reports, stay the same), the dashboard's html`` markup with concatHtml() or
    // named pieces (bot/dashboard/html.ts: the page's bytes stay the same), a long regex is built from named parts
    // (`new RegExp([...].join('|'))`, String.raw pieces) with the same source and flags.
    rules: {
      'max-len': ['error', { code: 120, tabWidth: 2 }],
      'max-lines': ['error', { max: 300, skipBlankLines: false, skipComments: false }],
    },
  },
  {
    // Fixtures hold data copied from the platforms or generated test material, kept byte for byte (and the fake
    // credentials of fake-secrets.ts, each one token whole, as a scanner and a reader must see it).
    files: ['test/fixtures/**'],
    rules: { 'max-len': 'off', 'max-lines': 'off' },
  },
  {
    files: ['**/*.cjs'],
    languageOptions: { sourceType: 'commonjs', globals: { module: 'writable', require: 'readonly' } },
  },
  {
    // The config module reads process.env, but returns refusals like everyone else.
    files: ['bot/config/**'],
    rules: { 'no-restricted-syntax': ['error', ONE_REFUSAL_SHAPE] },
  },
  {
    files: ['bin/**', 'test/**', '.ci/**'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);

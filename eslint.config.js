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

// `  it('title…', async () => {`: the whole line is the call's opening, title first and the test body after it.
const TEST_TITLE_LINE = String.raw`^\s*(?:it|test|describe|bench)(?:\.\w+)*\((['"\x60]).*\1, (?:async )?\(\) => \{$`;

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'test/bench/results/**', 'deploy/**'] },
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
    // templates and regexes alike: the only ignore is a test title, the one line prettier keeps whole on purpose
    // (vitest prints it on failure and one greps for it; cut, it would also re-indent the whole test body). Long
    // strings are cut with `+` (the wrap-long-lines codemod does it without changing a value), the dashboard's html``
    // markup with concatHtml() or named pieces (bot/dashboard/html.ts: the page's bytes stay the same); a regex that
    // cannot be built from parts readably carries an eslint-disable-line comment that says why.
    rules: {
      'max-len': [
        'error',
        {
          code: 120,
          tabWidth: 2,
          ignorePattern: TEST_TITLE_LINE,
        },
      ],
      'max-lines': ['error', { max: 300, skipBlankLines: false, skipComments: false }],
    },
  },
  {
    // Fixture folders hold data copied from the platforms or generated test material, kept byte for byte.
    files: ['test/fixtures/*/**'],
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

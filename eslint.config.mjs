// ESLint flat config: typescript-eslint's recommended rules, plus the project's own rule that
// package sources call functional TF.js ops (tfjs-core registers no chained ops).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'docs/playground/dist/**', '**/out/**', '.nx/**', '**/*.cjs', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/no-non-null-assertion': 'off',
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            { name: '@tensorflow/tfjs', message: 'Package sources import @tensorflow/tfjs-core (a peer dependency), not the full @tensorflow/tfjs bundle.' },
            { name: '@basin/testing', message: 'Test helpers live in <package>/test-helpers, beside the tests and outside src.' },
          ],
          patterns: [{ group: ['**/tools/**', '**/test-helpers/**'], message: 'Package sources never import tools/ or test helpers; keep those for tests.' }],
        },
      ],
      'no-restricted-syntax': [
        'error',
        {
          selector: "CallExpression[callee.type='MemberExpression'][callee.property.name=/^(sub|mul|div|matMul|square|sqrt|reshape|asType|sum|mean|transpose|neg|abs|exp|log|pow|maximum|minimum)$/][callee.object.name!=/^(tf|Math)$/]",
          message: 'Use functional TF.js ops (tf.add(a, b)), not chained ones: tfjs-core alone registers no chained ops.',
        },
      ],
    },
  },
);

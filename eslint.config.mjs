import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'coverage/', 'data/', 'bench/results/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', __dirname: 'readonly', require: 'readonly', module: 'writable', document: 'readonly', window: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      'no-console': 'error',
    },
  },
  { files: ['bin/**/*.js', '*.js', 'public/**/*.js'], rules: { '@typescript-eslint/no-require-imports': 'off' } },
  { files: ['test/**', 'bench/**', 'scripts/**', 'canvas-sim/**', 'dev-platform/**'], rules: { 'no-console': 'off' } },
);

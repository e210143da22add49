// Lint configuration: typescript-eslint recommended rules plus the house rules of STYLE.md.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['dist/**', 'native/build/**', 'node_modules/**', 'bench/out/**', '.tmp/**', 'docs/.vitepress/dist/**', 'docs/.vitepress/cache/**', 'test-artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { ...globals.node } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    // The daemon spawns and reaps only through the native layer (DESIGN §5).
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'child_process', message: 'The daemon spawns through the native layer (src/process), never node:child_process.' },
          { name: 'node:child_process', message: 'The daemon spawns through the native layer (src/process), never node:child_process.' },
        ],
      }],
    },
  },
);

// Lint rules, including the layering: sandbox/ never imports vscode or src/; src/ never imports harness internals.
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', 'media/**', 'bench/results.json', '.airlock-run/**', 'test-results/**', '.vscode-test/**'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': ['error', {
        selector: "CallExpression[callee.property.name=/^(only|skip)$/][callee.object.name=/^(it|describe|test)$/]",
        message: 'Focused or skipped tests must not be committed.',
      }],
    },
  },
  {
    // CommonJS files that VS Code's extension host loads (the @vscode/test-electron suite) use require by design.
    files: ['**/*.cjs'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['sandbox/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'sandbox/ never imports vscode: the harness runs outside the editor.' }],
        patterns: [{ regex: '(^|/)src/', message: 'sandbox/ never imports the extension (src/).' }],
      }],
    },
  },
  {
    files: ['sandbox/**/*.ts'],
    ignores: ['sandbox/isolate/runtime.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [
          { name: 'vscode', message: 'sandbox/ never imports vscode: the harness runs outside the editor.' },
          { name: 'isolated-vm', message: 'Only sandbox/isolate/runtime.ts imports isolated-vm.' },
        ],
        patterns: [{ regex: '(^|/)src/', message: 'sandbox/ never imports the extension (src/).' }],
      }],
    },
  },
  {
    files: ['src/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'isolated-vm', message: 'The extension never loads isolated-vm: the harness runs it in its own process.' }],
        patterns: [{
          regex: '(^|/)sandbox/(?!protocol/)',
          message: 'src/ talks to the harness only through the typed protocol (sandbox/protocol/).',
        }],
      }],
    },
  },
);

// Lint rules: typescript-eslint's recommended set, plus the storage rule of
// docs/architecture.md (SQL statements live in src/storage/ only). The layer and
// cycle rules are in .dependency-cruiser.cjs.
import tseslint from 'typescript-eslint';

const noSql = {
  selector: "CallExpression[callee.property.name='prepare']",
  message: 'SQL belongs in src/storage/ (a repository function), not here.',
};

export default tseslint.config(
  { ignores: ['node_modules/**', '.wrangler/**', 'build/**', 'test-output/**', 'src/**/*.client.js'] },
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      '@typescript-eslint/no-explicit-any': 'error',
      'no-duplicate-imports': 'error',
    },
  },
  { files: ['src/**/*.ts'], ignores: ['src/storage/**'], rules: { 'no-restricted-syntax': ['error', noSql] } },
);

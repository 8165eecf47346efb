// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

// Workflow code runs inside Temporal's deterministic sandbox: no Node built-ins, no I/O packages.
// `bundleWorkflowCode` in CI is the second line of defence; this rule names the problem at edit time.
const nodeBuiltins = builtinModules.flatMap((m) => [m, `node:${m}`]);
const ioPackages = [
  '@prisma/*',
  'pg',
  'pg-*',
  '@electric-sql/*',
  'nodemailer',
  'express',
  'pino',
  'pdfkit',
  'smtp-server',
  'playwright-core',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
];

export default tseslint.config(
  { ignores: ['node_modules/', 'dist/', '.data/', 'db/generated/', 'coverage/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { console: 'readonly', process: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts', 'domain/**/*.ts', 'bench/baseline/*-workflow.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflow and domain code must be deterministic: no Node built-ins (use activities).',
          })),
          patterns: [
            {
              group: ioPackages,
              allowTypeImports: true,
              message: 'Workflow and domain code must not import I/O packages (use activities).',
            },
            {
              group: ['**/activities/*', '../activities', '!**/activities/types*'],
              allowTypeImports: true,
              message: 'Workflows import activity *types* only, through proxyActivities.',
            },
          ],
        },
      ],
    },
  },
);

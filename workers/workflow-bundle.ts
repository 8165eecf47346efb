import { fileURLToPath } from 'node:url';
import { bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { failureConverterPath } from '../temporal/data-converter.js';

/** Entry of the workflow bundle: every workflow type lives behind this file. */
export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/**
 * Bundles workflow code for Temporal's sandbox. Our sources use ESM `.js` specifiers that point at
 * `.ts` files; webpack needs the alias to follow them. A forbidden import (Node built-in, I/O
 * package) fails here, which is why CI bundles before testing.
 */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath,
    // Failure messages encoded, so encrypted, in history (temporal/failure-converter.cjs).
    failureConverterPath,
    webpackConfigHook: (config) => {
      config.resolve = {
        ...config.resolve,
        extensionAlias: { '.js': ['.ts', '.js'] },
      };
      return config;
    },
    logger: {
      // webpack's progress lines are noise in CI logs; errors still throw.
      log: () => {},
      trace: () => {},
      debug: () => {},
      info: () => {},
      warn: (message) => process.stderr.write(`bundle warning: ${message}\n`),
      error: (message) => process.stderr.write(`bundle error: ${message}\n`),
    },
  });
}

import { randomBytes } from 'node:crypto';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time.js';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { customSearchAttributes } from '../../domain/search-attributes.js';
import { ensureSearchAttributes } from '../../temporal/search-attributes.js';

describe('search attributes', () => {
  let connection: Connection;
  beforeAll(async () => {
    connection = await Connection.connect({ address: inject('temporalAddress') });
  });
  afterAll(async () => connection?.close());

  it('are registered on the dev server the tests run on', async () => {
    const { customAttributes } = await connection.operatorService.listSearchAttributes({
      namespace: 'default',
    });
    for (const key of customSearchAttributes) expect(Object.keys(customAttributes ?? {})).toContain(key.name);
  });

  it('are added to a namespace that lacks them, once', async () => {
    const namespace = `sa-${randomBytes(4).toString('hex')}`;
    await connection.workflowService.registerNamespace({
      namespace,
      workflowExecutionRetentionPeriod: msToTs('1 day'),
    });
    // A new namespace takes a moment to be visible to the operator service.
    let added: string[] = [];
    for (let i = 0; i < 50; i++) {
      try {
        added = await ensureSearchAttributes(connection, namespace);
        break;
      } catch {
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    expect(added.sort()).toEqual(customSearchAttributes.map((k) => k.name).sort());
    expect(await ensureSearchAttributes(connection, namespace)).toEqual([]);
  });
});

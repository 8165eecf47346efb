import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OpenApiDocument } from '../../api/openapi/document.js';
import { CLIENT_TYPES_FILE, generateClientTypes } from '../../vendor-client/generate.js';
import { listen } from '../helpers/http.js';
import { appWithoutDependencies } from '../helpers/routes.js';

// The typed client's types are committed: they must be what the served document generates now, so a
// route changed without regenerating them fails here.
describe('the typed client (vendor-client/)', () => {
  let api: { url: string; close(): Promise<void> };
  beforeAll(async () => {
    api = await listen(appWithoutDependencies());
  });
  afterAll(async () => {
    await api?.close();
  });

  it('equals what the served OpenAPI document generates', { timeout: 60_000 }, async () => {
    const served = (await (await fetch(`${api.url}/openapi.json`)).json()) as OpenApiDocument;
    const generated = await generateClientTypes(served);
    const committed = await readFile(
      fileURLToPath(new URL(`../../${CLIENT_TYPES_FILE}`, import.meta.url)),
      'utf8',
    );
    expect(generated).toContain('"/vendor/v1/orders/{order_id}/result"');
    // Not toEqual on 10,000 lines: one clear message says what to do.
    expect(
      committed === generated,
      `${CLIENT_TYPES_FILE} is out of date with the OpenAPI document: run \`npm run client:generate\``,
    ).toBe(true);
  });

  it('would notice a route change', { timeout: 60_000 }, async () => {
    const served = (await (await fetch(`${api.url}/openapi.json`)).json()) as OpenApiDocument;
    const path = served.paths['/vendor/v1/orders/{order_id}/result']!;
    const changed = { ...served, paths: { ...served.paths, '/vendor/v1/orders/{order_id}/outcome': path } };
    const committed = await readFile(
      fileURLToPath(new URL(`../../${CLIENT_TYPES_FILE}`, import.meta.url)),
      'utf8',
    );
    expect(await generateClientTypes(changed)).not.toBe(committed);
  });
});

// `npm run client:generate`: rewrites the typed client's types (vendor-client/greenroom-api.d.ts)
// from the OpenAPI document the API serves, built here without a database, Temporal or a server.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { appOpenApiDocument } from '../api/openapi/app-without-dependencies.js';
import { CLIENT_TYPES_FILE, generateClientTypes } from '../vendor-client/generate.js';

const file = fileURLToPath(new URL(`../${CLIENT_TYPES_FILE}`, import.meta.url));
await writeFile(file, await generateClientTypes(appOpenApiDocument()));
process.stdout.write(`wrote ${CLIENT_TYPES_FILE}\n`);

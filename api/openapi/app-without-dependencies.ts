import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { Express } from 'express';
import { pino } from 'pino';
import { createApp } from '../app.js';
import type { CatalogueService } from '../../catalogue/service.js';
import type { Database } from '../../db/client.js';
import type { SecretBox } from '../../security/secret-box.js';
import type { ConnectionService } from '../../tenants/connection-service.js';
import { appRoutes, buildOpenApiDocument, type OpenApiDocument } from './document.js';

/**
 * The app as api/main.ts builds it, on stand-in dependencies: building the routers touches none of
 * them (only routes that need no dependency may be called on it: /openapi.json, /docs).
 */
export function appWithoutDependencies(): Express {
  const unused = {} as never;
  return createApp({
    db: unused as Database,
    temporal: unused as Client,
    log: pino({ level: 'silent' }),
    taskQueue: 'routes-test',
    connections: unused as ConnectionService,
    catalogue: unused as CatalogueService,
    secrets: unused as SecretBox,
    operatorApiKey: 'routes-test-key',
    codec: unused as PayloadCodec,
  });
}

/** The document /openapi.json serves, built without a database, Temporal or a listening server. */
export const appOpenApiDocument = (): OpenApiDocument =>
  buildOpenApiDocument(appRoutes(appWithoutDependencies()));

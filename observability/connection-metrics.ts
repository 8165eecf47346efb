import { Gauge, type Registry } from 'prom-client';
import type { Database } from '../db/client.js';
import { journeysOf } from '../db/repositories/journeys.js';
import { METRIC_PREFIX } from './metrics.js';

/**
 * Gauges read from the database at each scrape: tenants' Greenhouse connections by status
 * (connected, disconnected, needs_consent) and, per tenant, the journeys waiting for a reconnect.
 * Any process with the database can expose them; the worker does.
 */
export function registerConnectionGauges(registry: Registry, db: Database): void {
  new Gauge({
    name: `${METRIC_PREFIX}greenhouse_connections`,
    help: "Tenants' Greenhouse connections by status (needs_consent: the customer's admin must consent again)",
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      const rows = await db.greenhouseConnection.groupBy({ by: ['status'], _count: { _all: true } });
      this.reset();
      for (const status of ['connected', 'disconnected', 'needs_consent'])
        this.set({ status }, rows.find((r) => r.status === status)?._count._all ?? 0);
    },
  });
  new Gauge({
    name: `${METRIC_PREFIX}journeys_waiting_for_greenhouse`,
    help: 'Journeys waiting for their tenant to reconnect Greenhouse (credential refused, consent lapsed, v1 retired), by tenant',
    labelNames: ['tenant'] as const,
    registers: [registry],
    async collect() {
      const rows = await journeysOf({ db }).countWaitingForGreenhouseByTenant();
      this.reset();
      for (const r of rows) this.set({ tenant: r.tenantId }, r.count);
    },
  });
}

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { pino } from 'pino';
import { errorHandler } from '../../api/http-errors.js';
import { createDatabase, Prisma, type Database } from '../../db/client.js';
import { isDatabaseUnavailable, retryWhileDatabaseUnavailable } from '../../db/unavailable.js';
import { freePort } from '../../temporal/free-port.js';
import { startTestApi, TEST_OPERATOR_KEY } from '../helpers/app.js';

/** A Prisma error as Prisma 7 + @prisma/adapter-pg throws it (shapes measured on a stopped server). */
const prismaError = (code: string, message: string, adapterCause?: Record<string, unknown>) =>
  new Prisma.PrismaClientKnownRequestError(message, {
    code,
    clientVersion: Prisma.prismaVersion.client,
    ...(adapterCause
      ? { meta: { driverAdapterError: { name: 'DriverAdapterError', cause: adapterCause } } }
      : {}),
  });

const socketError = (code: string) =>
  Object.assign(new Error(`connect ${code} 127.0.0.1:5432`), { code, syscall: 'connect', errno: -111 });

describe('isDatabaseUnavailable', () => {
  it('recognises an unreachable, stopping or restarting server', () => {
    const unreachable = { kind: 'DatabaseNotReachable', host: '127.0.0.1', port: 5432 };
    expect(isDatabaseUnavailable(prismaError('P1001', "Can't reach database server", unreachable))).toBe(
      true,
    );
    // $queryRaw wraps the same in P2010.
    expect(isDatabaseUnavailable(prismaError('P2010', 'Raw query failed', unreachable))).toBe(true);
    expect(isDatabaseUnavailable(prismaError('P2010', 'x', { kind: 'ConnectionClosed' }))).toBe(true);
    // A query in flight when the server stops (fast: 57P01; immediate: 57P02) or while it starts up (57P03).
    for (const sqlState of ['57P01', '57P02', '57P03', '08006']) {
      const cause = {
        kind: 'postgres',
        code: sqlState,
        originalCode: sqlState,
        severity: 'FATAL',
        message: 'x',
      };
      expect(isDatabaseUnavailable(prismaError('P2010', 'Raw query failed', cause)), sqlState).toBe(true);
    }
    // node-postgres used directly.
    expect(isDatabaseUnavailable(socketError('ECONNREFUSED'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    // Wrapped by one of our services.
    expect(
      isDatabaseUnavailable(
        new Error('loading the tenant', { cause: prismaError('P1001', 'x', unreachable) }),
      ),
    ).toBe(true);
  });

  it('leaves query errors and other services’ network errors alone', () => {
    expect(isDatabaseUnavailable(prismaError('P2002', 'Unique constraint failed'))).toBe(false);
    expect(isDatabaseUnavailable(prismaError('P2025', 'Record not found'))).toBe(false);
    const syntax = {
      kind: 'postgres',
      code: '42601',
      originalCode: '42601',
      severity: 'ERROR',
      message: 'x',
    };
    expect(isDatabaseUnavailable(prismaError('P2010', 'Raw query failed', syntax))).toBe(false);
    // fetch() to Greenhouse refused: not the database.
    expect(isDatabaseUnavailable(new TypeError('fetch failed', { cause: socketError('ECONNREFUSED') }))).toBe(
      false,
    );
    expect(isDatabaseUnavailable(new Error('calling Greenhouse', { cause: socketError('ECONNRESET') }))).toBe(
      false,
    );
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
    expect(isDatabaseUnavailable('P1001')).toBe(false);
  });
});

describe('retryWhileDatabaseUnavailable', () => {
  const noSleep = () => Promise.resolve();

  it('tries again while the database is down, then returns', async () => {
    let calls = 0;
    const value = await retryWhileDatabaseUnavailable(
      async () => {
        if (++calls < 4) throw socketError('ECONNREFUSED');
        return 'recorded';
      },
      { sleep: noSleep },
    );
    expect(value).toBe('recorded');
    expect(calls).toBe(4);
  });

  it('throws any other error at once, and the outage error after maxMs', async () => {
    let calls = 0;
    const unique = prismaError('P2002', 'Unique constraint failed');
    await expect(
      retryWhileDatabaseUnavailable(
        () => {
          calls++;
          return Promise.reject(unique);
        },
        { sleep: noSleep },
      ),
    ).rejects.toBe(unique);
    expect(calls).toBe(1);
    const down = socketError('ECONNREFUSED');
    await expect(retryWhileDatabaseUnavailable(() => Promise.reject(down), { maxMs: 0 })).rejects.toBe(down);
  });
});

// The real API app on a database URL whose port nothing listens on: every route that needs the
// database answers 503 with Retry-After, JSON for APIs and a page for people's pages; never 500.
describe('API while the database is unreachable', () => {
  let db: Database;
  let temporal: Client;
  let api: Awaited<ReturnType<typeof startTestApi>>;

  beforeAll(async () => {
    db = createDatabase({ url: `postgresql://postgres@127.0.0.1:${await freePort()}/gone`, poolSize: 2 });
    // Never dialled: every route below fails on the database first.
    temporal = new Client({ connection: Connection.lazy({ address: `127.0.0.1:${await freePort()}` }) });
    api = await startTestApi({ db, temporal, taskQueue: 'unused' });
  });
  afterAll(async () => {
    await api?.close();
    await db?.$disconnect();
  });

  it('answers the operator API with 503 service_unavailable and Retry-After', async () => {
    for (const path of ['/operator/journeys', '/operator/tenants']) {
      const res = await fetch(`${api.url}${path}`, {
        headers: { authorization: `Bearer ${TEST_OPERATOR_KEY}` },
      });
      expect(res.status, path).toBe(503);
      expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('service_unavailable');
      expect(body.error.message).not.toMatch(/127\.0\.0\.1|prisma|P1001/i);
    }
  });

  it('answers the partner API (Greenhouse) with 503', async () => {
    const res = await fetch(`${api.url}/partner/test_status?partner_interview_id=x`, {
      headers: { authorization: `Basic ${Buffer.from('some-partner-key:').toString('base64')}` },
    });
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('service_unavailable');
  });

  it('answers a candidate’s page, opened or submitted, with a 503 page', async () => {
    const link = `${api.url}/t/grt_${'a'.repeat(40)}`;
    const opened = await fetch(link);
    expect(opened.status).toBe(503);
    expect(opened.headers.get('content-type')).toMatch(/text\/html/);
    const submitted = await fetch(link, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: api.url },
      body: 'q%3Aq1=b',
    });
    expect(submitted.status).toBe(503);
    expect(submitted.headers.get('retry-after')).toMatch(/^\d+$/);
    const html = await submitted.text();
    expect(html).toContain('try again');
    expect(html).not.toMatch(/prisma|P1001|127\.0\.0\.1/i);
  });

  it('still answers /healthz, and /readyz says not ready', async () => {
    expect((await fetch(`${api.url}/healthz`)).status).toBe(200);
    expect((await fetch(`${api.url}/readyz`)).status).toBe(503);
  });
});

describe('errorHandler', () => {
  it('maps a database outage to 503 and anything else unknown to 500', async () => {
    const handler = errorHandler(pino({ level: 'silent' }));
    const answer = (err: unknown, path = '/operator/x') => {
      const res = {
        statusCode: 0,
        headers: {} as Record<string, string>,
        payload: undefined as unknown,
        status(code: number) {
          this.statusCode = code;
          return this;
        },
        set(name: string, value: string) {
          this.headers[name.toLowerCase()] = value;
          return this;
        },
        json(payload: unknown) {
          this.payload = payload;
          return this;
        },
      };
      handler(err, { method: 'GET', path } as never, res as never, () => undefined);
      return res;
    };
    const down = answer(socketError('ECONNREFUSED'));
    expect(down.statusCode).toBe(503);
    expect(down.headers['retry-after']).toBeDefined();
    expect(down.payload).toMatchObject({ error: { code: 'service_unavailable' } });
    expect(answer(new Error('boom')).statusCode).toBe(500);
  });
});

import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { createGreenroomClient, resultWithReport, type VendorResult } from '../vendor-client/index.js';
import { eventEndpoint, type ReceivedEvent } from './events.js';
import { launchVerifier, type Launch } from './launch.js';
import { DEMO_PACKAGE_ID, demoPackage, questions, scoreAnswers, type Answers } from './package.js';
import { donePage, problemPage, testPage } from './pages.js';
import { reportPdf } from './report.js';

export { DEMO_PACKAGE_ID } from './package.js';

export interface DemoVendorOptions {
  /** Where greenroom's API is, as this process reaches it. */
  greenroomUrl: string;
  /** An integration key without tenant scope (it writes packages and endpoints). */
  integrationKey: string;
  /** The `iss` of greenroom's launch assertions: its PUBLIC_BASE_URL (default: greenroomUrl). */
  issuer?: string;
  /** Port to listen on (default: any free port). */
  port?: number;
  host?: string;
  /** Put a result (with its PDF) by itself on every order.created: for bulk tests and benchmarks. */
  autopilot?: boolean;
  log?: (line: string) => void;
}

/** What the demo vendor knows of an order, from greenroom's events and its own page. */
export interface DemoOrder {
  id: string;
  tenantId: string | null;
  applicationId: string | null;
  status: 'open' | 'submitted' | 'accepted' | 'written_back' | 'cancelled' | 'expired';
  events: string[];
  result: VendorResult | null;
}

const HOUR = 3_600_000;

/**
 * The vendor's product in miniature, a separate process beside greenroom: it syncs its package,
 * subscribes to greenroom's signed events, serves the launch page (checking greenroom's assertion),
 * lets the candidate take its test, and puts the result with a PDF report. It talks to greenroom
 * only through the typed client generated from the OpenAPI document (vendor-client/).
 */
export async function startDemoVendor(options: DemoVendorOptions) {
  const log = options.log ?? (() => undefined);
  const greenroom = createGreenroomClient({ baseUrl: options.greenroomUrl, key: options.integrationKey });
  const orders = new Map<string, DemoOrder>();
  /** Launch-page sessions: an unguessable id in the form instead of the short-lived assertion. */
  const sessions = new Map<string, { launch: Launch; startedAt: Date }>();
  let secret: string | null = null;

  const orderOf = (id: string, event?: ReceivedEvent): DemoOrder => {
    let order = orders.get(id);
    if (!order) {
      order = {
        id,
        tenantId: event?.data.tenant_id ?? null,
        applicationId: (event?.data.application_id as string | undefined) ?? null,
        status: 'open',
        events: [],
        result: null,
      };
      orders.set(id, order);
    }
    return order;
  };
  const statusAfter: Record<string, DemoOrder['status']> = {
    'order.cancelled': 'cancelled',
    'order.expired': 'expired',
    'result.accepted': 'accepted',
    'writeback.completed': 'written_back',
  };

  /** Puts the result with its PDF; true when greenroom accepted it (or had accepted this one). */
  async function putResult(orderId: string, candidate: string, result: VendorResult) {
    const pdf = await reportPdf({ candidate, packageName: demoPackage('').name, result });
    const { data, error, response } = await greenroom.PUT('/vendor/v1/orders/{order_id}/result', {
      params: { path: { order_id: orderId } },
      ...resultWithReport(result, pdf),
    });
    if (data) {
      const order = orderOf(orderId);
      order.result = result;
      if (order.status === 'open') order.status = 'submitted';
      return { ok: true as const };
    }
    return { ok: false as const, status: response.status, message: JSON.stringify(error) };
  }

  /** Autopilot: answers like a strong candidate; retries while greenroom or the network fails. */
  async function autopilot(orderId: string) {
    const answers = Object.fromEntries(questions.map((q) => [q.id, q.answer])) as Answers;
    const result = scoreAnswers(answers, new Date(Date.now() - 60_000));
    for (let attempt = 1; attempt <= 8; attempt++) {
      const outcome = await putResult(orderId, `order ${orderId}`, result).catch((e: Error) => ({
        ok: false as const,
        status: 0,
        message: e.message,
      }));
      if (outcome.ok) return log(`autopilot: result put for ${orderId}`);
      if (outcome.status >= 400 && outcome.status < 500)
        return log(`autopilot: ${orderId} refused: ${outcome.message}`);
      await new Promise((r) => setTimeout(r, 500 * 2 ** attempt));
    }
    log(`autopilot: gave up on ${orderId}`);
  }

  const endpoint = eventEndpoint({
    secret: () => secret,
    onEvent: (event) => {
      if (!event.data.order_id) return;
      const order = orderOf(event.data.order_id, event);
      order.events.push(event.type);
      const next = statusAfter[event.type];
      if (next) order.status = next;
      log(`event ${event.type} for ${order.id}`);
      if (event.type === 'order.created' && options.autopilot) void autopilot(order.id);
    },
  });

  const app = express();
  app.disable('x-powered-by');
  app.post('/events', ...endpoint.handler);
  app.get('/', (_req, res) => void res.type('text').send('demo vendor: see /orders'));
  app.get('/orders', (_req, res) => void res.json([...orders.values()]));

  let verify: ((assertion: string) => Promise<Launch>) | null = null;
  app.get('/launch', (req, res) => {
    const assertion = typeof req.query.assertion === 'string' ? req.query.assertion : '';
    void (async () => {
      let launch: Launch;
      try {
        launch = await verify!(assertion);
      } catch {
        return void res
          .status(401)
          .type('html')
          .send(problemPage('This link cannot be used', 'Open the test again from the link in your e-mail.'));
      }
      const session = randomBytes(24).toString('base64url');
      sessions.set(session, { launch, startedAt: new Date() });
      setTimeout(() => sessions.delete(session), 4 * HOUR).unref();
      // The candidate started: greenroom shows it in Greenhouse (partner_status in_progress).
      await greenroom
        .POST('/vendor/v1/orders/{order_id}/events', {
          params: { path: { order_id: launch.orderId } },
          body: { type: 'started' },
        })
        .catch(() => undefined);
      res
        .type('html')
        .send(
          testPage({ session, firstName: launch.candidate.firstName, packageName: demoPackage('').name }),
        );
    })().catch(() => res.status(500).end());
  });

  app.post('/launch/answers', express.urlencoded({ extended: false, limit: '10kb' }), (req, res) => {
    const form = req.body as Record<string, string>;
    const found = sessions.get(String(form.session ?? ''));
    if (!found)
      return void res
        .status(400)
        .type('html')
        .send(problemPage('This test has expired', 'Open the test again from the link in your e-mail.'));
    const answers = Object.fromEntries(questions.map((q) => [q.id, form[q.id]])) as Answers;
    const result = scoreAnswers(answers, found.startedAt);
    const { firstName, lastName } = found.launch.candidate;
    void putResult(found.launch.orderId, `${firstName} ${lastName}`, result)
      .then((outcome) => {
        if (!outcome.ok) {
          log(`result for ${found.launch.orderId} refused: ${outcome.message}`);
          return void res
            .status(502)
            .type('html')
            .send(problemPage('Not sent yet', 'Your answers could not be sent. Please submit again.'));
        }
        sessions.delete(String(form.session));
        res.type('html').send(donePage(result.score ?? 0));
      })
      .catch(() => res.status(500).end());
  });

  // A taken port is an error at start (Express 5 hands it to the callback), not a silent hang.
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port ?? 0, options.host ?? '127.0.0.1', (err?: Error) =>
      err ? reject(new Error(`demo vendor: cannot listen: ${err.message}`)) : resolve(s),
    );
  });
  const url = `http://${options.host ?? '127.0.0.1'}:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });

  try {
    // 1. The package, as this product defines it (same content again: same version).
    const pkg = await greenroom.PUT('/vendor/v1/packages/{package_id}', {
      params: { path: { package_id: DEMO_PACKAGE_ID } },
      body: demoPackage(`${url}/launch`),
    });
    if (!pkg.data) throw new Error(`package sync: ${pkg.response.status} ${JSON.stringify(pkg.error)}`);
    verify = launchVerifier({
      greenroomUrl: options.greenroomUrl,
      issuer: options.issuer ?? options.greenroomUrl.replace(/\/+$/, ''),
      packageId: DEMO_PACKAGE_ID,
    });
    // 2. The event endpoint: its secret is shown once, so an earlier registration of this URL
    //    (a previous run) is disabled and a fresh one made.
    const eventsUrl = `${url}/events`;
    const listed = await greenroom.GET('/vendor/v1/endpoints', { params: { query: { limit: 200 } } });
    for (const old of listed.data?.data.filter((e) => e.url === eventsUrl && !e.disabled_at) ?? [])
      await greenroom.DELETE('/vendor/v1/endpoints/{endpoint_id}', {
        params: { path: { endpoint_id: old.id } },
      });
    const created = await greenroom.POST('/vendor/v1/endpoints', { body: { url: eventsUrl } });
    if (!created.data)
      throw new Error(`endpoint registration: ${created.response.status} ${JSON.stringify(created.error)}`);
    secret = created.data.secret;
    log(`package ${DEMO_PACKAGE_ID} v${pkg.data.version} synced; events at ${eventsUrl}`);
    return {
      url,
      packageId: DEMO_PACKAGE_ID,
      packageVersion: pkg.data.version,
      endpointId: created.data.id,
      /** Orders by id, as the events told them. */
      orders,
      /** Every distinct event received (verified, one per webhook-id), in arrival order. */
      events: endpoint.events,
      /** Deliveries of an event already received (acknowledged, not handled again). */
      repeats: endpoint.repeats,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
export type DemoVendor = Awaited<ReturnType<typeof startDemoVendor>>;

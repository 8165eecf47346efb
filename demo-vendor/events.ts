import express, { type RequestHandler } from 'express';
import { Webhook } from 'standardwebhooks';

/** One event from greenroom as the demo vendor keeps it (the Standard Webhooks body). */
export interface ReceivedEvent {
  id: string;
  type: string;
  timestamp: string;
  data: Record<string, unknown> & {
    order_id: string | null;
    sequence: number | null;
    tenant_id: string | null;
  };
}

/**
 * The endpoint greenroom delivers events to. Each request's signature is checked with the Standard
 * Webhooks library (401 when it does not verify); a `webhook-id` seen before is acknowledged and
 * not handled again, since greenroom retries until it gets a 2xx.
 */
export function eventEndpoint(args: {
  secret: () => string | null;
  onEvent: (event: ReceivedEvent) => void;
}): { handler: RequestHandler[]; events: ReceivedEvent[]; repeats: () => number } {
  const events: ReceivedEvent[] = [];
  const seen = new Set<string>();
  let repeats = 0;
  const verifyAndKeep: RequestHandler = (req, res) => {
    const secret = args.secret();
    const raw = Buffer.isBuffer(req.body) ? req.body.toString('utf8') : '';
    let body: Omit<ReceivedEvent, 'id'>;
    try {
      if (!secret) throw new Error('not subscribed yet');
      body = new Webhook(secret).verify(raw, req.headers as Record<string, string>) as typeof body;
    } catch {
      return void res.status(401).json({ error: 'signature does not verify' });
    }
    const id = String(req.get('webhook-id'));
    if (seen.has(id)) {
      repeats++;
      return void res.status(204).end();
    }
    seen.add(id);
    const event = { id, type: body.type, timestamp: body.timestamp, data: body.data };
    events.push(event);
    args.onEvent(event);
    res.status(204).end();
  };
  return {
    handler: [express.raw({ type: '*/*', limit: '1mb' }), verifyAndKeep],
    events,
    repeats: () => repeats,
  };
}

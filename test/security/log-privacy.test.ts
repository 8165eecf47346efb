import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../observability/logger.js';
import { waitFor } from '../../harness/processes.js';
import { startReferenceCheckStack, type ReferenceCheckStack } from '../helpers/reference-check-stack.js';

// The logs of whole journeys — API, worker (activity failures included) and mail, through the
// production logger and its redaction — hold no candidate's or referee's name or e-mail and no
// answer text. The journeys include a bounce (the SMTP answer echoes the address) and a Greenhouse
// outage (failed activity attempts are logged).
describe('logs carry no personal data', () => {
  const lines: string[] = [];
  let stack: ReferenceCheckStack;
  beforeAll(async () => {
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    stack = await startReferenceCheckStack({
      log: createLogger({ level: 'debug', name: 'greenroom-test', destination: sink }),
      smtp: { rejectRecipients: ['bounce.logs@globex.example'] },
    });
  });
  afterAll(async () => stack?.close());

  const form = (fields: Record<string, string>) => ({
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(fields),
  });

  it('a reference check from Greenhouse to the PDF, with a bounce and a Greenhouse outage', async () => {
    const org = stack.sb.state.org(stack.org.org.id)!;
    const application = org.applications.all()[0]!;
    const candidate = org.candidates.get(application.candidateId)!;
    await stack.sendReferenceCheck(application.id);
    const journeyId = stack.referenceJourneyIdFor(application.id);
    const nominated = await fetch(
      await stack.nominationLink(journeyId),
      form({
        'r0.name': 'Magnolia Loggerhead',
        'r0.email': 'magnolia.loggerhead@globex.example',
        'r0.relationship': 'manager',
        'r1.name': 'Bounce Logsworth',
        'r1.email': 'bounce.logs@globex.example',
        'r1.relationship': 'peer',
        'r2.name': 'Cornelius Tracewell',
        'r2.email': 'cornelius.tracewell@initech.example',
        'r2.relationship': 'client',
      }),
    );
    expect(nominated.status).toBe(200);
    const [magnolia, , cornelius] = await stack.referees(journeyId);
    const marker = 'Quokka-lantern-5520 never missed a deadline';
    // Greenhouse fails the next call: that attempt fails and is logged, the retry heals it.
    stack.sb.faults.failNext('*', 1, { status: 503 });
    for (const referee of [magnolia!, cornelius!]) {
      const res = await fetch(
        await stack.refereeLink(referee.id),
        form({ action: 'submit', 'q:quality': '5', 'q:teamwork': '4', 'q:comments': marker }),
      );
      expect(res.status).toBe(200);
    }
    expect(await stack.temporal.workflow.getHandle(journeyId).result()).toMatchObject({ status: 'complete' });
    await waitFor(
      'the report in Greenhouse',
      async () => stack.greenhouse(application.id).attachments.length === 1,
      60_000,
    );

    const text = lines.join('\n');
    // The logs are there and say something: mail went out, one was refused (the bounce), an
    // attempt against Greenhouse failed.
    expect(lines.length).toBeGreaterThanOrEqual(6);
    expect(text).toContain('mail sent');
    expect(text).toContain('mail not sent');
    expect(text).toMatch(/"activity":"[A-Za-z]+","attempt":1/);
    for (const value of [
      candidate.firstName,
      candidate.lastName,
      candidate.emails[0]!.value,
      'Magnolia Loggerhead',
      'magnolia.loggerhead@globex.example',
      'Bounce Logsworth',
      'bounce.logs@globex.example',
      'Cornelius Tracewell',
      'cornelius.tracewell@initech.example',
      marker,
    ]) {
      expect(text, value).not.toContain(value);
    }
    // Ids are there, so operators can follow a journey through the logs.
    expect(text).toContain(journeyId);
  }, 120_000);
});

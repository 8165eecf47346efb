import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '@temporalio/client';
import { createCatalogueService } from '../../catalogue/service.js';
import { createMailer, createSmtpTransport } from '../../mail/index.js';
import { KEY_ID_METADATA, PayloadCodecError } from '../../security/payload-codec.js';
import {
  generateEncryptionKeySpec,
  parseEncryptionKeys,
  type EncryptionKey,
} from '../../security/secret-box.js';
import { submitAnswersUpdate, type AssessmentJourneyInput } from '../../workflows/assessment/contract.js';
import { testActivities } from '../helpers/activities.js';
import { oneQuestionTest } from '../helpers/assessment-stack.js';
import { createTestDatabase, type TestDatabase } from '../helpers/database.js';
import { createTestSmtpServer, type TestSmtpServer } from '../../harness/smtp-server.js';
import {
  connectTestClient,
  startTestWorker,
  uniqueTaskQueue,
  type RunningTestWorker,
} from '../helpers/temporal.js';
import { rawPayloadsOf } from './raw-history.js';

const k1 = parseEncryptionKeys(generateEncryptionKeySpec('rot1'))[0]!;
const k2 = parseEncryptionKeys(generateEncryptionKeySpec('rot2'))[0]!;

// Rotation of PAYLOAD_ENCRYPTION_KEYS on the real dev server: journeys started while k1 was current
// complete on a worker and client whose current key is k2 (k1 still listed), and what they write
// from then on is encrypted with k2.
describe('payload key rotation', () => {
  const tenantId = 'ten_rotation';
  const taskQueue = uniqueTaskQueue('rotation');
  let database: TestDatabase;
  let smtp: TestSmtpServer;
  const clients: Client[] = [];
  const workers: RunningTestWorker[] = [];
  let testVersion: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    smtp = createTestSmtpServer();
    await smtp.start();
    await database.db.tenant.create({ data: { id: tenantId, slug: 'rotation', name: 'Rotation Ltd' } });
    testVersion = (await createCatalogueService({ db: database.db }).putTest(tenantId, oneQuestionTest))
      .version;
  });
  afterAll(async () => {
    for (const w of workers) await w.stop();
    for (const c of clients) await c.connection.close();
    await smtp?.close();
    await database?.drop();
  });

  const worker = async (payloadKeys: EncryptionKey[]) => {
    const running = await startTestWorker({
      taskQueue,
      payloadKeys,
      activities: testActivities(database.db, {
        mailer: createMailer({ transport: createSmtpTransport({ url: smtp.url }) }),
      }),
    });
    workers.push(running);
    return running;
  };
  const client = async (payloadKeys: EncryptionKey[]) => {
    const c = await connectTestClient({ payloadKeys });
    clients.push(c);
    return c;
  };

  async function startJourney(temporal: Client, n: number) {
    const journeyId = `assessment:${tenantId}:app-${n}:${oneQuestionTest.testId}`;
    await database.db.journey.create({
      data: {
        id: journeyId,
        tenantId,
        kind: 'assessment',
        status: 'created',
        testId: oneQuestionTest.testId,
        testVersion,
        trigger: 'vendor',
        greenhouseApplicationId: String(n),
        sentBy: 'grader@vendor.example',
      },
    });
    await database.db.journeyCandidate.create({
      data: {
        journeyId,
        firstName: 'Grace',
        lastName: 'Hopper',
        preferredName: null,
        email: `grace${n}@example.com`,
        phone: null,
      },
    });
    const input: AssessmentJourneyInput = {
      journeyId,
      tenantId,
      testId: oneQuestionTest.testId,
      testVersion,
      trigger: 'vendor',
      applicationId: String(n),
      policy: {
        deadlineDays: 7,
        reminders: { afterInviteHours: [], beforeDeadlineHours: [] },
        graderReminderHours: [],
        applicationMatch: { intervalSeconds: 1, attempts: 1 },
      },
    };
    await temporal.workflow.start('assessmentJourney', { workflowId: journeyId, taskQueue, args: [input] });
    return journeyId;
  }

  it('completes journeys started under key 1 after key 2 becomes current', { timeout: 60_000 }, async () => {
    // Key 1 current: two journeys start and send their invitations.
    const before = await worker([k1]);
    const oldClient = await client([k1]);
    const journeyIds = [await startJourney(oldClient, 1), await startJourney(oldClient, 2)];
    for (const id of journeyIds) await smtp.waitFor((m) => m.idempotencyKey === `${id}:invite:1`, 20_000);
    await before.stop();

    // Rotation: key 2 first, key 1 still listed. A new worker picks the journeys up from their history.
    await worker([k2, k1]);
    const newClient = await client([k2, k1]);
    for (const id of journeyIds) {
      const handle = newClient.workflow.getHandle(id);
      await handle.executeUpdate(submitAnswersUpdate, { args: [{ answers: { q1: 'b' } }] });
      expect(await handle.result()).toMatchObject({ status: 'complete', scorePercent: 100, passed: true });
    }

    const raw = new Client({ connection: newClient.connection });
    for (const id of journeyIds) {
      const history = await raw.workflow.getHandle(id).fetchHistory();
      const keyIdAt = (eventType: string) =>
        rawPayloadsOf(history)
          .filter((p) => p.path.includes(eventType))
          .map((p) => Buffer.from(p.payload.metadata![KEY_ID_METADATA]!).toString());
      // Written under key 1: the start input; under key 2: the answers, the result.
      expect(keyIdAt('workflowExecutionStartedEventAttributes')).toEqual(['rot1']);
      expect(keyIdAt('workflowExecutionUpdateAcceptedEventAttributes')).toContain('rot2');
      expect(keyIdAt('workflowExecutionCompletedEventAttributes')).toEqual(['rot2']);
      const keyIds = new Set(rawPayloadsOf(history).map((p) => p.payload.metadata?.[KEY_ID_METADATA]));
      expect(keyIds.size).toBeGreaterThan(1);
    }

    // A process still on key 1 alone cannot read what key 2 wrote: roll the key list out first.
    const stale = await oldClient.workflow
      .getHandle(journeyIds[0]!)
      .result()
      .catch((err: unknown) => err);
    expect(stale).toBeInstanceOf(PayloadCodecError);
    expect((stale as Error).message).toMatch(/key rot2, which is not configured/);
  });
});

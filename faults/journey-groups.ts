import {
  countEffects,
  inviteInBulk,
  sendTests,
  waitForResults,
  type JourneyCounts,
} from '../harness/journey-driver.js';
import type { HarnessCandidate, ProductStack } from '../harness/product-stack.js';

/**
 * Journeys started both ways a tenant has, as the Greenhouse faults (greenhouse-outage,
 * credential-revoked) drive them: vendor invites by CSV upload, whose first Greenhouse step is the
 * application match, and a recruiter's Send test, which meets Greenhouse at the write-back and ends
 * with the completion PATCH. The groups are counted apart because only Send test journeys PATCH.
 */
export interface JourneyGroups {
  csv: HarnessCandidate[];
  sendTest: HarnessCandidate[];
}

/** The first `journeys` candidates: `sendTestPercent` % of them by Send test, the rest by CSV upload. */
export function splitJourneys(stack: ProductStack, journeys: number, sendTestPercent: number): JourneyGroups {
  const all = stack.candidates.slice(0, journeys);
  const nSendTest = Math.round((journeys * sendTestPercent) / 100);
  return { sendTest: all.slice(0, nSendTest), csv: all.slice(nSendTest) };
}

/** Starts both groups at once: one CSV upload, and a Send test in Greenhouse for each of the others. */
export async function startJourneys(stack: ProductStack, groups: JourneyGroups): Promise<void> {
  await Promise.all([
    groups.csv.length ? inviteInBulk(stack, groups.csv) : null,
    sendTests(stack, groups.sendTest),
  ]);
}

/** Both groups' effects: CSV journeys without, Send test journeys with the completion PATCH. */
export function countJourneys(stack: ProductStack, groups: JourneyGroups): JourneyCounts {
  return sum(countEffects(stack, groups.csv), countEffects(stack, groups.sendTest, { expectPatch: true }));
}

/**
 * Waits for both groups' results until `deadline` (10 s at least), logging the CSV group's progress;
 * returns their counts together.
 */
export async function waitForJourneys(
  stack: ProductStack,
  groups: JourneyGroups,
  options: { deadline: number; log: (line: string) => void },
): Promise<JourneyCounts> {
  const [csv, sendTest] = await Promise.all([
    waitForResults(stack, groups.csv, {
      timeoutMs: Math.max(10_000, options.deadline - Date.now()),
      onProgress: (c) => options.log(`CSV journeys ${c.completed}/${c.journeys}`),
    }),
    waitForResults(stack, groups.sendTest, {
      timeoutMs: Math.max(10_000, options.deadline - Date.now()),
      expectPatch: true,
    }),
  ]);
  return sum(csv, sendTest);
}

function sum(a: JourneyCounts, b: JourneyCounts): JourneyCounts {
  return {
    journeys: a.journeys + b.journeys,
    completed: a.completed + b.completed,
    lost: a.lost + b.lost,
    duplicateInvites: a.duplicateInvites + b.duplicateInvites,
    // Counted over every message of the SMTP server: the same number in both.
    duplicateDeliveries: a.duplicateDeliveries,
    duplicateNotes: a.duplicateNotes + b.duplicateNotes,
    duplicateAttachments: a.duplicateAttachments + b.duplicateAttachments,
    duplicatePatches: a.duplicatePatches + b.duplicatePatches,
  };
}

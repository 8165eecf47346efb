import { z } from 'zod';

/**
 * Journey vocabulary shared by workflows, activities, the read model and the APIs.
 * The first six statuses are what Greenhouse shows the recruiter (greenhouse.md §2);
 * `complete` must be spelled exactly so.
 */
export const journeyKinds = ['assessment', 'reference_check', 'probe', 'vendor_hosted'] as const;
export const JourneyKind = z.enum(journeyKinds);
export type JourneyKind = z.infer<typeof JourneyKind>;

export const journeyStatuses = [
  'created',
  'sent',
  'in_progress',
  'awaiting_grading',
  'complete',
  'expired',
  'cancelled',
  'failed',
] as const;
export const JourneyStatus = z.enum(journeyStatuses);
export type JourneyStatus = z.infer<typeof JourneyStatus>;

export const terminalStatuses: ReadonlySet<JourneyStatus> = new Set([
  'complete',
  'expired',
  'cancelled',
  'failed',
]);

/** What activities write into the read model at each step. */
export const JourneySnapshot = z.object({
  journeyId: z.string().min(1),
  tenantId: z.string().min(1),
  kind: JourneyKind,
  status: JourneyStatus,
  statusDetail: z.string().nullable().default(null),
  /** Increases with every snapshot a workflow writes; older snapshots are ignored. */
  stateVersion: z.number().int().nonnegative(),
  testId: z.string().nullable().default(null),
  deadlineAt: z.string().datetime().nullable().default(null),
  completedAt: z.string().datetime().nullable().default(null),
  greenhouseApplicationId: z.string().nullable().default(null),
  scorePercent: z.number().min(0).max(100).nullable().default(null),
});
export type JourneySnapshot = z.input<typeof JourneySnapshot>;

/** The read-model fields a journey listing shows: ids and states only, no personal data. */
export const journeyListFields = {
  id: true,
  tenantId: true,
  kind: true,
  status: true,
  statusDetail: true,
  testId: true,
  testVersion: true,
  jobId: true,
  greenhouseApplicationId: true,
  trigger: true,
  score: true,
  deadlineAt: true,
  writebackFailedStep: true,
  greenhouseWaitSince: true,
  createdAt: true,
  updatedAt: true,
  completedAt: true,
} as const;

/**
 * Business workflow ids: the same trigger always maps to the same id, so a second start returns the
 * existing journey (workflowIdConflictPolicy USE_EXISTING) instead of a duplicate.
 */
export function probeJourneyId(tenantId: string, probeKey: string): string {
  return `probe:${tenantId}:${probeKey}`;
}

/** The n-th referee of a reference check: also the id of that referee's child workflow. */
export function refereeId(journeyId: string, n: number): string {
  return `${journeyId}:referee-${n}`;
}

/** One page of journeys whose retention has passed. */
export interface RetentionPage {
  journeyIds: string[];
}

export interface RetentionErased {
  /** Journeys erased now (a journey erased meanwhile by an operator is not counted twice). */
  erased: number;
}

/** The retention activities as workflows see them (types only). */
export interface RetentionActivities {
  /** Up to `limit` ended journeys past their tenant's retention, not erased yet, oldest first. */
  retentionDue(input: { limit: number }): Promise<RetentionPage>;
  /** Erases these journeys' personal data (journeys/erase-candidate.ts), audited per tenant with counts. */
  retentionErase(input: RetentionPage): Promise<RetentionErased>;
}

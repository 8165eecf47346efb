export interface RefreshTokensInput {
  tenantId: string;
}

export interface RefreshTokensResult {
  /** refreshed: a new refresh token is stored; skipped: nothing to refresh (not an authorization-code tenant) */
  outcome: 'refreshed' | 'skipped' | 'needs_consent';
  /** plain words, for the schedule's run history */
  detail: string;
  /** ISO 8601: when the new refresh token expires */
  refreshTokenExpiresAt: string | null;
}

/** The connection upkeep activities as workflows see them (types only). */
export interface ConnectionActivities {
  refreshTenantTokens(input: RefreshTokensInput): Promise<RefreshTokensResult>;
}

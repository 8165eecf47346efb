/**
 * The assessment journey's activities as the workflow sees them (types only). Every one is
 * idempotent: it may run more than once, its effect happens once (design brief, "Rules").
 * Payloads carry ids and scores; personal data and answers stay in the database.
 */
export type CandidateEmailPurpose = 'invite' | 'reminder' | 'expiry';

export interface ApplicationMatch {
  found: boolean;
  applicationId: string | null;
  candidateId: string | null;
  /** Plain words when not found, e.g. "no application for this e-mail on job 101 yet". */
  reason: string | null;
}

export interface FinalResult {
  scorePercent: number;
  passed: boolean;
  profileUrl: string;
}

export interface AssessmentActivities {
  /** Vendor mode: find the candidate's Greenhouse application by e-mail (+ job). */
  findApplication(input: { journeyId: string }): Promise<ApplicationMatch>;
  /** Sends one candidate e-mail once; an invite also issues the private test link it contains. */
  sendCandidateEmail(input: {
    journeyId: string;
    purpose: CandidateEmailPurpose;
    n: number;
    deadlineAt: string;
  }): Promise<{ sent: boolean }>;
  /** Stores the validated answers (first submission wins) and grades the keyed questions. */
  storeSubmission(input: { journeyId: string; answers: unknown; submittedAt: string }): Promise<{
    freeTextToGrade: number;
  }>;
  /** Issues a grading link and e-mails the grader (n = 1 for the request, then reminders). */
  requestGrading(input: { journeyId: string; n: number; dueBy: string }): Promise<{ sent: boolean }>;
  storeGrades(input: {
    journeyId: string;
    scores: Record<string, { points: number; comment?: string }>;
    gradedBy: string;
  }): Promise<void>;
  /** Combines automatic and grader points; stores the result. */
  finalizeResult(input: { journeyId: string }): Promise<FinalResult>;
  /** Renders the PDF report into the database (never into the workflow history). */
  renderReport(input: { journeyId: string }): Promise<{ contentHash: string; bytes: number }>;
  /** PATCH to Greenhouse's completion URL (Greenhouse-triggered journeys). */
  sendCompletionPatch(input: { journeyId: string }): Promise<{ sent: boolean }>;
  writeCustomFields(input: { journeyId: string }): Promise<{ written: number }>;
  addResultNote(input: { journeyId: string }): Promise<{ added: boolean }>;
  attachReport(input: { journeyId: string }): Promise<{ attached: boolean }>;
  /** The job's optional rule: pass → stage X, fail → stage Y. */
  moveStageOnResult(input: { journeyId: string; passed: boolean }): Promise<{ moved: boolean }>;
}

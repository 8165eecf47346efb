import type { Database } from '../../db/client.js';
import { refereeId } from '../../domain/ids.js';
import { normalizeEmail, validateNominations } from '../../domain/reference-checks/nomination.js';
import type { Relationship } from '../../domain/reference-checks/template.js';
import type { ClientFingerprint, RefereeStatus } from '../../domain/reference-checks/types.js';
import { createJourneySealer } from '../../security/journey-sealing.js';
import type { SecretBox } from '../../security/secret-box.js';
import {
  composeMail,
  renderNominationExpiry,
  renderNominationReminder,
  renderNominationRequest,
  renderReplaceRefereeRequest,
  refusalIsFinal,
  type Mailer,
} from '../../mail/index.js';
import type { AssessmentDeps } from '../../journeys/journey-context.js';
import { sendOnce } from '../../journeys/email-ledger.js';
import { issueLink } from '../../journeys/links.js';
import { loadReferenceCheck } from './context.js';
import type { ReferenceCheckActivities } from '../../workflows/reference-check/contract.js';

const DAY = 86_400_000;

/** The candidate's side: the e-mails asking for referees, and storing the referees they name. */
export function createNominationActivities(
  deps: AssessmentDeps & { mailer: Mailer; secrets: SecretBox },
): Pick<ReferenceCheckActivities, 'sendNominationEmail' | 'storeNominations'> {
  const { db } = deps;
  const sealer = createJourneySealer(deps);
  return {
    async sendNominationEmail({ journeyId, purpose, n, deadlineAt, reason, refusalIsFinal: final }) {
      const idempotencyKey = `${journeyId}:${purpose}:${n}`;
      // Only a workflow that waits for a corrected address asks for the refusal to be final.
      const send = () =>
        sendOnce(deps, {
          journeyId,
          purpose,
          idempotencyKey,
          compose: async () => {
            const { candidate, template, branding } = await loadReferenceCheck(deps, journeyId);
            const candidateFirstName = candidate.preferredName ?? candidate.firstName;
            const link = () =>
              issueLink(db, {
                journeyId,
                purpose: 'nominate',
                expiresAt: new Date(Date.parse(deadlineAt) + 30 * DAY),
                publicBaseUrl: deps.publicBaseUrl,
              });
            const content = await (async () => {
              switch (purpose) {
                case 'nomination_request':
                  return renderNominationRequest(branding, {
                    candidateFirstName,
                    linkUrl: await link(),
                    deadline: deadlineAt,
                    refereesRequested: template.referees.min,
                  });
                case 'nomination_reminder':
                  return renderNominationReminder(branding, {
                    candidateFirstName,
                    linkUrl: await link(),
                    deadline: deadlineAt,
                    refereesRequested: template.referees.min,
                    reminderNumber: n,
                  });
                case 'replace_referee':
                  return renderReplaceRefereeRequest(branding, {
                    candidateFirstName,
                    linkUrl: await link(),
                    deadline: deadlineAt,
                    reason: reason ?? 'declined',
                  });
                case 'nomination_expiry':
                  return renderNominationExpiry(branding, { candidateFirstName, expiredAt: deadlineAt });
              }
            })();
            return composeMail({
              branding,
              to: { name: `${candidate.firstName} ${candidate.lastName}`, address: candidate.email },
              idempotencyKey,
              content,
            });
          },
        });
      return final ? refusalIsFinal(send) : send();
    },

    async storeNominations({ journeyId, firstPosition, nominations: sealedRows, client: sealedClient }) {
      const existing = await referees(db, journeyId);
      // A retried attempt: this batch is stored already.
      const stored = existing.filter((r) => r.position >= firstPosition);
      if (stored.length) {
        return { ok: true, referees: stored.map((r) => ({ refereeId: r.id, relationship: r.relationship })) };
      }
      const { journey, candidate, template } = await loadReferenceCheck(deps, journeyId);
      const nominations = await sealer.unseal<unknown>(journeyId, sealedRows);
      const client = await sealer.unseal<ClientFingerprint>(journeyId, sealedClient);
      const checked = validateNominations({
        template,
        candidateEmail: candidate.email,
        existing: existing.map((r) => ({
          email: r.email,
          relationship: r.relationship as Relationship,
          status: r.status as RefereeStatus,
        })),
        rows: Array.isArray(nominations) ? nominations : [],
        now: new Date().toISOString(),
      });
      if (!checked.ok) return { ok: false, issues: checked.issues };
      const now = new Date();
      const rows = checked.nominations.map((nomination, i) => ({
        id: refereeId(journeyId, firstPosition + i),
        journeyId,
        tenantId: journey.tenantId,
        position: firstPosition + i,
        name: nomination.name,
        email: nomination.email,
        emailNormalized: normalizeEmail(nomination.email),
        phone: nomination.phone ?? null,
        company: nomination.company ?? null,
        title: nomination.title ?? null,
        relationship: nomination.relationship,
        workedFrom: nomination.workedFrom ?? null,
        workedTo: nomination.workedTo ?? null,
        status: 'nominated',
        nominatedAt: now,
        nominatedFromIp: client.ip,
        nominatedFromFingerprint: client.fingerprint,
      }));
      await db.referee.createMany({ data: rows, skipDuplicates: true });
      return { ok: true, referees: rows.map((r) => ({ refereeId: r.id, relationship: r.relationship })) };
    },
  };
}

function referees(db: Database, journeyId: string) {
  return db.referee.findMany({ where: { journeyId }, orderBy: { position: 'asc' } });
}

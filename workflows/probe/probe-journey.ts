import {
  allHandlersFinished,
  condition,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { JourneyActivities } from '../shared/contract.js';
import type { JourneyStatus } from '../../domain/journey.js';
import { JourneyKindKey, JourneyStatusKey, TenantIdKey } from '../../domain/search-attributes.js';
import {
  completeProbeUpdate,
  probeStateQuery,
  type ProbeJourneyInput,
  type ProbeJourneyState,
} from './messages.js';

const { recordJourneySnapshot } = proxyActivities<JourneyActivities>({
  startToCloseTimeout: '30 seconds',
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', maximumInterval: '30 seconds' },
});

/**
 * The probe journey: records itself, waits for a `complete` update or its deadline, and ends.
 * Operators run it to prove the whole path (API → Temporal → worker → database) end to end; it is
 * also the harness's first real workflow.
 */
export async function probeJourney(input: ProbeJourneyInput): Promise<ProbeJourneyState> {
  const startedAt = new Date(workflowInfo().startTime).getTime();
  const state: ProbeJourneyState = {
    journeyId: input.journeyId,
    status: 'in_progress',
    waitingFor: 'the complete update or the deadline',
    deadlineAt: new Date(startedAt + input.deadlineSeconds * 1000).toISOString(),
    completedBy: null,
  };
  let version = 0;
  let finished = false;

  setHandler(probeStateQuery, () => state);
  setHandler(
    completeProbeUpdate,
    async ({ completedBy }) => {
      state.completedBy ??= completedBy; // a repeated update is answered, not applied twice
      // Answer once the outcome is in the read model, so a caller that reads it next sees it.
      await condition(() => finished);
      return state;
    },
    {
      validator: ({ completedBy }) => {
        if (typeof completedBy !== 'string' || completedBy.trim() === '') {
          throw new Error('completedBy must be a non-empty string');
        }
        if (state.status !== 'in_progress' && state.status !== 'complete') {
          throw new Error(`the probe is already ${state.status}`);
        }
      },
    },
  );

  const record = async (status: JourneyStatus, waitingFor: string | null) => {
    state.status = status;
    state.waitingFor = waitingFor;
    upsertSearchAttributes([{ key: JourneyStatusKey, value: status }]);
    await recordJourneySnapshot({
      journeyId: input.journeyId,
      tenantId: input.tenantId,
      kind: 'probe',
      status,
      statusDetail: waitingFor,
      stateVersion: ++version,
      deadlineAt: state.deadlineAt,
      completedAt: status === 'complete' ? new Date().toISOString() : null,
    });
  };

  upsertSearchAttributes([
    { key: TenantIdKey, value: input.tenantId },
    { key: JourneyKindKey, value: 'probe' },
  ]);
  await record('in_progress', state.waitingFor);

  const completed = await condition(() => state.completedBy !== null, input.deadlineSeconds * 1000);
  if (completed) await record('complete', null);
  else await record('expired', 'the deadline passed before the complete update arrived');
  finished = true;
  await condition(allHandlersFinished);
  return state;
}

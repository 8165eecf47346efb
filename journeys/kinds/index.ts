import type { JourneyKind } from '../../domain/journey.js';
import { assessmentKind } from './assessment.js';
import type { JourneyKindModule, KindOperatorAction, KindPage } from './kind-module.js';
import { referenceCheckKind } from './reference-check.js';
import { vendorKind } from './vendor.js';

export type {
  CommonWorkflowInput,
  JourneyKindModule,
  KindOperatorAction,
  KindPage,
  Outcome,
} from './kind-module.js';

/** Every kind of candidate journey; the system's probe journeys have no catalogue entry and no module. */
export type CandidateJourneyKind = Exclude<JourneyKind, 'probe'>;

/** A registry has exactly one module per kind, each under its own name (definitions vary by kind). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type KindRegistry<K extends string> = { readonly [k in K]: JourneyKindModule<k, any> };

/** The one place that lists the journey kinds; everything kind-dependent asks it. */
export const journeyKindModules = {
  assessment: assessmentKind,
  reference_check: referenceCheckKind,
  vendor_hosted: vendorKind,
} as const satisfies KindRegistry<CandidateJourneyKind>;

export const candidateJourneyKinds = Object.keys(journeyKindModules) as CandidateJourneyKind[];

/** The module of a read-model row's kind; undefined for probes (and anything unknown). */
export function kindModuleOf(kind: string): JourneyKindModule | undefined {
  return Object.hasOwn(journeyKindModules, kind)
    ? (journeyKindModules[kind as CandidateJourneyKind] as JourneyKindModule)
    : undefined;
}

/** The module of a catalogue kind. */
export const kindModule = (kind: CandidateJourneyKind): JourneyKindModule =>
  journeyKindModules[kind] as JourneyKindModule;

/**
 * The kind an operator's (or a stored) definition describes, by its `kind` field; a definition
 * without one (or with one no kind claims) is the kind whose definitions carry none.
 */
export function kindOfDefinition(definition: unknown): CandidateJourneyKind {
  const field =
    typeof definition === 'object' && definition !== null
      ? (definition as { kind?: unknown }).kind
      : undefined;
  const modules = Object.values(journeyKindModules) as JourneyKindModule<CandidateJourneyKind>[];
  const module =
    modules.find((m) => m.catalogue.kindField !== undefined && m.catalogue.kindField === field) ??
    modules.find((m) => m.catalogue.kindField === undefined)!;
  return module.kind;
}

/** The kinds whose workflows answer this operator action (for its refusal message too). */
export const kindsWith = (action: KindOperatorAction): CandidateJourneyKind[] =>
  candidateJourneyKinds.filter((k) => kindModule(k).operatorActions[action]);

/** Whether a read-model row's kind is served by this private page. */
export const kindHasPage = (kind: string, page: KindPage) =>
  kindModuleOf(kind)?.pages.includes(page) ?? false;

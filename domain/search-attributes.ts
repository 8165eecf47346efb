import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Custom search attributes of every journey (design brief, "Operators' view"). Ids and states only:
 * never names or e-mails, which would sit unencrypted in Temporal's visibility store.
 */
export const TenantIdKey = defineSearchAttributeKey('TenantId', SearchAttributeType.KEYWORD);
export const JourneyKindKey = defineSearchAttributeKey('JourneyKind', SearchAttributeType.KEYWORD);
export const JourneyStatusKey = defineSearchAttributeKey('JourneyStatus', SearchAttributeType.KEYWORD);
export const GreenhouseApplicationIdKey = defineSearchAttributeKey(
  'GreenhouseApplicationId',
  SearchAttributeType.KEYWORD,
);
export const TestIdKey = defineSearchAttributeKey('TestId', SearchAttributeType.KEYWORD);

/** Registered on every Temporal server the project starts (dev server flag `--search-attribute`). */
export const customSearchAttributes = [
  TenantIdKey,
  JourneyKindKey,
  JourneyStatusKey,
  GreenhouseApplicationIdKey,
  TestIdKey,
] as const;

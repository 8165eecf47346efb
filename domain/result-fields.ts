import { z } from 'zod';

/**
 * The result fields an operator can map to Greenhouse custom fields, and the Greenhouse value types
 * that can hold each (greenhouse.md §3.3). A mapping outside this table is rejected up front rather
 * than failing at write-back time, days later.
 */
export const resultFields = [
  'status',
  'score',
  'pass_fail',
  'report_link',
  'test_name',
  'completed_at',
] as const;
export const ResultField = z.enum(resultFields);
export type ResultField = z.infer<typeof ResultField>;

export const compatibleValueTypes: Record<ResultField, readonly string[]> = {
  status: ['short_text', 'long_text', 'single_select'],
  score: ['number', 'short_text', 'long_text'],
  pass_fail: ['yes_no', 'single_select', 'short_text'],
  report_link: ['url', 'short_text', 'long_text'],
  test_name: ['short_text', 'long_text'],
  completed_at: ['date', 'short_text'],
};

/** Option names a single_select field must offer for the values we write. */
export const requiredSelectOptions: Partial<Record<ResultField, readonly string[]>> = {
  status: ['complete'],
  pass_fail: ['Pass', 'Fail'],
};

export interface CustomFieldDefinition {
  id: string;
  name: string;
  valueType: string;
  options: string[];
}

/** Null when the field can hold the result; otherwise why not, in plain words. */
export function mappingProblem(resultField: ResultField, field: CustomFieldDefinition): string | null {
  const allowed = compatibleValueTypes[resultField];
  if (!allowed.includes(field.valueType)) {
    return `${resultField} cannot be written to "${field.name}" (a ${field.valueType} field): choose a ${allowed.join(', ')} field`;
  }
  const needed = field.valueType === 'single_select' ? requiredSelectOptions[resultField] : undefined;
  const missing = needed?.filter(
    (option) => !field.options.some((o) => o.toLowerCase() === option.toLowerCase()),
  );
  if (missing?.length) {
    return `${resultField} needs the option(s) ${missing.map((m) => `"${m}"`).join(', ')} on "${field.name}"`;
  }
  return null;
}

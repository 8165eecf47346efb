import type { ReferenceCheckTemplateInput } from '../domain/reference-checks/template.js';
import type { TestDefinitionInput } from '../domain/assessments/definition.js';
import type { CatalogueService } from './service.js';

/**
 * The demo tenant's catalogue: one realistic test with every question kind, so that a local demo
 * shows automatic grading, partial credit, a numeric tolerance and a grader's review.
 */
export const sqlFundamentals = {
  testId: 'sql-fundamentals',
  name: 'SQL fundamentals',
  description:
    'Reading and writing everyday SQL: filtering, joining and aggregating. Answer every question; ' +
    'you may use a scratch pad but no database.',
  passMarkPercent: 60,
  timeLimitMinutes: 45,
  deadlineDays: 7,
  reminders: { afterInviteHours: [48], beforeDeadlineHours: [24] },
  graderReminderHours: [24],
  sections: [
    {
      id: 'querying',
      title: 'Querying',
      description: 'Selecting, filtering and joining rows.',
      questions: [
        {
          id: 'where-vs-having',
          kind: 'single_choice',
          prompt: 'Which clause filters groups after GROUP BY has been applied?',
          points: 2,
          options: [
            { id: 'where', text: 'WHERE' },
            { id: 'having', text: 'HAVING', correct: true },
            { id: 'order-by', text: 'ORDER BY' },
            { id: 'limit', text: 'LIMIT' },
          ],
        },
        {
          id: 'outer-joins',
          kind: 'multiple_choice',
          prompt:
            'Which joins keep the rows of the left-hand table that have no match in the right-hand table? ' +
            'Select all that apply.',
          points: 3,
          scoring: 'partial',
          options: [
            { id: 'inner', text: 'INNER JOIN' },
            { id: 'left', text: 'LEFT OUTER JOIN', correct: true },
            { id: 'full', text: 'FULL OUTER JOIN', correct: true },
            { id: 'cross', text: 'CROSS JOIN' },
          ],
        },
        {
          id: 'join-row-count',
          kind: 'numeric',
          prompt:
            'Table a has 4 rows and table b has 3 rows. How many rows does SELECT * FROM a CROSS JOIN b return?',
          points: 2,
          answer: 12,
          tolerance: 0,
          unit: 'rows',
        },
      ],
    },
    {
      id: 'aggregation',
      title: 'Aggregation and design',
      questions: [
        {
          id: 'average-order',
          kind: 'numeric',
          prompt:
            'Orders of 10.00, 20.00 and 25.50 are in the table. What does SELECT AVG(total) FROM orders return? ' +
            'Two decimals are enough.',
          points: 2,
          answer: 18.5,
          tolerance: 0.01,
        },
        {
          id: 'count-null',
          kind: 'single_choice',
          prompt: 'A column holds the values 1, NULL, 3. What does COUNT(column) return?',
          points: 1,
          options: [
            { id: 'two', text: '2', correct: true },
            { id: 'three', text: '3' },
            { id: 'null', text: 'NULL' },
          ],
        },
        {
          id: 'index-choice',
          kind: 'free_text',
          prompt:
            'The query SELECT * FROM orders WHERE customer_id = $1 ORDER BY created_at DESC LIMIT 20 is slow ' +
            'on a table of 50 million rows. Which index would you add, and why?',
          points: 5,
          rubric:
            '5: a composite index on (customer_id, created_at DESC) and why it serves both the filter and ' +
            'the ordering without a sort. 3: an index on customer_id alone, with a sound reason. ' +
            '1: mentions indexing without a usable choice. 0: no answer or wrong.',
          maxLength: 3000,
        },
      ],
    },
  ],
} satisfies TestDefinitionInput;

/** The demo's reference check: three referees, one of them a manager; two answers complete it. */
export const demoReferenceCheck = {
  kind: 'reference_check',
  testId: 'references-standard',
  name: 'Professional references',
  description: 'Three people who have worked with the candidate answer six short questions.',
  questions: [
    { id: 'quality', kind: 'rating', prompt: 'How would you rate the quality of their work?' },
    { id: 'reliability', kind: 'rating', prompt: 'How reliably did they deliver what they promised?' },
    { id: 'collaboration', kind: 'rating', prompt: 'How well did they work with colleagues?' },
    { id: 'growth', kind: 'rating', prompt: 'How quickly did they learn and grow in the role?' },
    { id: 'rehire', kind: 'rating', prompt: 'How keen would you be to work with them again?' },
    {
      id: 'strengths',
      kind: 'text',
      prompt: 'What are their greatest strengths, and where could they grow?',
      required: true,
      maxLength: 3000,
    },
  ],
  ratingScale: { min: 1, max: 5, minLabel: 'Poor', maxLabel: 'Outstanding' },
  referees: { min: 3, max: 5, quorum: 2 },
  requiredRelationships: [{ relationship: 'manager', count: 1 }],
  nominationDeadlineDays: 4,
  refereeDeadlineDays: 7,
  deadlineDays: 14,
  reminders: {
    candidate: { afterInviteHours: [48], beforeDeadlineHours: [24] },
    referee: { afterInviteHours: [72], beforeDeadlineHours: [24] },
  },
} satisfies ReferenceCheckTemplateInput;

export const demoTests: (TestDefinitionInput | ReferenceCheckTemplateInput)[] = [
  sqlFundamentals,
  demoReferenceCheck,
];

/** Seeds the demo catalogue into a tenant; running it again changes nothing (same content hash). */
export async function seedDemoTests(service: Pick<CatalogueService, 'putTest'>, tenantId: string) {
  const results = [];
  for (const test of demoTests) results.push(await service.putTest(tenantId, test));
  return results;
}

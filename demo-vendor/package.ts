import type { VendorPackage, VendorResult } from '../vendor-client/index.js';

/** The demo vendor's one package: its id is also the `partner_test_id` Greenhouse sends. */
export const DEMO_PACKAGE_ID = 'demo-vendor-logic';

/** A short test a person can take: one right answer per question, 25 points each. */
export const questions = [
  { id: 'q1', prompt: 'What comes next: 2, 4, 8, 16, …?', options: ['18', '24', '32'], answer: '32' },
  {
    id: 'q2',
    prompt: 'All bloops are razzies; all razzies are lazzies. Are all bloops lazzies?',
    options: ['Yes', 'No', 'Cannot tell'],
    answer: 'Yes',
  },
  {
    id: 'q3',
    prompt: 'Which word does not belong?',
    options: ['Apple', 'Carrot', 'Banana'],
    answer: 'Carrot',
  },
  {
    id: 'q4',
    prompt: 'A clock shows 3:15. The angle between its hands is about…',
    options: ['0°', '7.5°', '90°'],
    answer: '7.5°',
  },
] as const;

/** What the package declares to greenroom: a 0–100 score, pass mark 50, two typed attributes. */
export function demoPackage(launchUrl: string): VendorPackage {
  return {
    name: 'Logic test (demo vendor)',
    kind: 'assessment',
    hosted_by: 'vendor',
    launch_url: launchUrl,
    deadline_days: 7,
    reminders: [],
    result: {
      score: { min: 0, max: 100 },
      pass_mark: 50,
      attributes: [
        { key: 'level', label: 'Reasoning level', type: 'string' },
        { key: 'all_answered', label: 'Answered every question', type: 'boolean' },
      ],
    },
  };
}

export type Answers = Partial<Record<(typeof questions)[number]['id'], string>>;

/** Scores the answers as the package declares: the result greenroom validates and writes back. */
export function scoreAnswers(answers: Answers, startedAt: Date, completedAt = new Date()): VendorResult {
  const correct = questions.filter((q) => answers[q.id] === q.answer).length;
  const score = correct * 25;
  return {
    status: 'completed',
    score,
    sections: [{ name: 'Reasoning', score, max_score: 100 }],
    attributes: {
      level: score >= 75 ? 'advanced' : score >= 50 ? 'intermediate' : 'foundation',
      all_answered: questions.every((q) => Boolean(answers[q.id])),
    },
    started_at: startedAt.toISOString(),
    completed_at: completedAt.toISOString(),
  };
}

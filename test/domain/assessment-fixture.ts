import { TestDefinition, type TestDefinitionInput } from '../../domain/assessments/definition.js';

/** A small test with every question kind: 20 points, pass mark 60 %. */
export const fixtureInput = {
  testId: 'fixture-test',
  name: 'Fixture test',
  passMarkPercent: 60,
  deadlineDays: 7,
  sections: [
    {
      id: 's1',
      title: 'Keyed',
      questions: [
        {
          id: 'q1',
          kind: 'single_choice',
          prompt: 'Pick b',
          points: 2,
          options: [
            { id: 'a', text: 'A' },
            { id: 'b', text: 'B', correct: true },
            { id: 'c', text: 'C' },
          ],
        },
        {
          id: 'q2',
          kind: 'multiple_choice',
          prompt: 'Pick a and b',
          points: 4,
          options: [
            { id: 'a', text: 'A', correct: true },
            { id: 'b', text: 'B', correct: true },
            { id: 'c', text: 'C' },
            { id: 'd', text: 'D' },
          ],
        },
        { id: 'q3', kind: 'numeric', prompt: 'About ten', points: 2, answer: 10, tolerance: 0.5 },
      ],
    },
    {
      id: 's2',
      title: 'Mixed',
      questions: [
        {
          id: 'q4',
          kind: 'multiple_choice',
          prompt: 'Pick x and y, all or nothing',
          points: 2,
          scoring: 'all_or_nothing',
          options: [
            { id: 'x', text: 'X', correct: true },
            { id: 'y', text: 'Y', correct: true },
            { id: 'z', text: 'Z' },
          ],
        },
        {
          id: 'q5',
          kind: 'free_text',
          prompt: 'Explain',
          points: 10,
          rubric: 'SECRET-RUBRIC: full marks for mentioning indexes',
        },
      ],
    },
  ],
} satisfies TestDefinitionInput;

export const fixture: TestDefinition = TestDefinition.parse(fixtureInput);

/** A deep copy of the fixture input, to mutate in a test. */
export const fixtureCopy = (): Record<string, unknown> & typeof fixtureInput =>
  JSON.parse(JSON.stringify(fixtureInput)) as typeof fixtureInput;

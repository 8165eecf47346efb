import type { AssessmentReportInput, ReferenceCheckReportInput } from '../../reports/index.js';

export const assessmentInput: AssessmentReportInput = {
  branding: { companyName: 'Acme Robotics', primaryColor: '#1A73E8', accentColor: '#F59E0B' },
  candidate: { name: 'José Müller', email: 'jose@candidates.example' },
  test: { name: 'Backend Engineering', version: '3.2' },
  score: { points: 68, maxPoints: 100, passMarkPercent: 60 },
  sections: [
    { name: 'Algorithms', points: 18, maxPoints: 20 },
    { name: 'System design', points: 20, maxPoints: 40 },
    { name: 'SQL', points: 0, maxPoints: 10 },
    { name: 'TypeScript', points: 30, maxPoints: 30 },
  ],
  freeTextAnswers: [
    {
      question: 'Explain how you would make a payment webhook handler idempotent.',
      answer:
        'Store the provider event id with a unique constraint and process inside the same transaction; replays hit the constraint and return 200.',
      points: 8,
      maxPoints: 10,
      graderComment: 'Good. Missed ordering of events.',
      gradedBy: 'Grace Hopper',
    },
  ],
  timing: {
    invitedAt: '2025-12-01T09:00:00Z',
    startedAt: '2025-12-02T14:03:00Z',
    submittedAt: '2025-12-02T15:15:00Z',
    timeLimitMinutes: 90,
  },
  gradedBy: ['Grace Hopper', 'Automatic scoring'],
  generatedAt: '2025-12-03T10:00:00Z',
};

export const referenceInput: ReferenceCheckReportInput = {
  branding: { companyName: 'Acme Robotics', primaryColor: '#0F766E' },
  candidate: { name: 'Łukasz Żółć' },
  templateName: 'Engineering references v2',
  status: 'partial',
  ratingScale: { min: 1, max: 5, minLabel: 'Poor', maxLabel: 'Outstanding' },
  questions: [
    { id: 'q1', text: 'Technical skill', kind: 'rating' },
    { id: 'q2', text: 'Collaboration', kind: 'rating' },
    { id: 'q3', text: 'Reliability', kind: 'rating' },
    { id: 'q4', text: 'What should their next manager know?', kind: 'text' },
  ],
  referees: [
    {
      name: 'Ada Lovelace',
      relationship: 'Former manager',
      company: 'Analytical Engines Ltd',
      status: 'answered',
      requestedAt: '2025-11-20T10:00:00Z',
      dueAt: '2025-11-25T10:00:00Z',
      answeredAt: '2025-11-22T08:30:00Z',
      answers: [
        { questionId: 'q1', rating: 5 },
        { questionId: 'q2', rating: 4 },
        { questionId: 'q3', rating: 5 },
        { questionId: 'q4', text: 'Give them hard problems and room to think.' },
      ],
    },
    {
      name: 'Иван Петров',
      relationship: 'Peer',
      company: 'Globex',
      status: 'answered',
      requestedAt: '2025-11-20T10:00:00Z',
      dueAt: '2025-11-25T10:00:00Z',
      answeredAt: '2025-11-26T18:00:00Z',
      answers: [
        { questionId: 'q1', rating: 4 },
        { questionId: 'q2', rating: 1 },
        { questionId: 'q4', text: 'Prefers written communication.' },
      ],
      fraudSignals: [
        {
          kind: 'shared-ip',
          description:
            'The reference was submitted from the same IP address the candidate used to nominate referees.',
        },
      ],
    },
    {
      name: 'Charles Babbage',
      relationship: 'Client',
      status: 'declined',
      declineReason: 'Did not work closely enough with the candidate.',
      requestedAt: '2025-11-20T10:00:00Z',
    },
  ],
  timeline: {
    nominatedAt: '2025-11-19T16:00:00Z',
    requestedAt: '2025-11-20T10:00:00Z',
    completedAt: '2025-11-27T09:00:00Z',
  },
  generatedAt: '2025-11-27T09:05:00Z',
};

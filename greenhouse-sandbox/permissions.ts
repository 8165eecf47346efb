/**
 * Harvest permissions. A v1 key is granted endpoint permissions (named like Greenhouse's key editor,
 * `<Resource>: <action>`); a v3 client is granted scopes `harvest:<resource>:<action>`.
 */
export const V1_PERMISSIONS = [
  'Jobs: List',
  'Jobs: Retrieve',
  'Jobs: Get hiring team',
  'Job Stages: List for job',
  'Job Stages: Retrieve',
  'Users: List',
  'Users: Retrieve',
  'Custom Fields: List',
  'Email Templates: List',
  'Email Templates: Retrieve',
  'Candidates: List',
  'Candidates: Retrieve',
  'Candidates: Edit',
  'Candidates: Add note',
  'Candidates: Activity feed',
  'Applications: List',
  'Applications: Retrieve',
  'Applications: Update',
  'Applications: Add attachment',
  'Applications: Move',
] as const;
export type V1Permission = (typeof V1_PERMISSIONS)[number];

export const V3_SCOPES = [
  'harvest:jobs:list',
  'harvest:job_interview_stages:list',
  'harvest:job_hiring_managers:list',
  'harvest:job_owners:list',
  'harvest:users:list',
  'harvest:custom_fields:list',
  'harvest:custom_field_options:list',
  'harvest:email_templates:list',
  'harvest:candidates:list',
  'harvest:candidates:update',
  'harvest:applications:list',
  'harvest:applications:update',
  'harvest:applications:move',
  'harvest:applications:reject',
  'harvest:applications:hire',
  'harvest:notes:list',
  'harvest:notes:create',
  'harvest:attachments:list',
  'harvest:attachments:create',
] as const;
export type V3Scope = (typeof V3_SCOPES)[number];

/** The permissions the seed vendors ask for (greenhouse.md §3.4), handy for tests and the demo. */
export const VENDOR_PERMISSION_SETS: Record<string, V1Permission[]> = {
  interviewMocha: [
    'Applications: List',
    'Applications: Retrieve',
    'Applications: Update',
    'Applications: Add attachment',
    'Applications: Move',
    'Candidates: List',
    'Candidates: Retrieve',
    'Candidates: Edit',
    'Candidates: Add note',
    'Users: List',
    'Users: Retrieve',
    'Custom Fields: List',
    'Jobs: List',
    'Jobs: Retrieve',
    'Job Stages: List for job',
    'Email Templates: List',
  ],
  hiPeople: [
    'Candidates: Retrieve',
    'Applications: Retrieve',
    'Applications: Add attachment',
    'Jobs: Get hiring team',
    'Users: Retrieve',
    'Users: List',
  ],
};

/**
 * The Harvest v3 scopes greenroom asks a customer to consent to (`/authorize` needs a
 * space-separated `scope`): what the three integration modes read and write, nothing more.
 */
export const GREENROOM_V3_SCOPES = [
  'harvest:jobs:list',
  'harvest:job_interview_stages:list',
  'harvest:job_hiring_managers:list',
  'harvest:job_owners:list',
  'harvest:users:list',
  'harvest:custom_fields:list',
  'harvest:custom_field_options:list',
  'harvest:candidates:list',
  'harvest:candidates:update',
  'harvest:applications:list',
  'harvest:applications:update',
  'harvest:applications:move',
  'harvest:notes:list',
  'harvest:notes:create',
  'harvest:attachments:list',
  'harvest:attachments:create',
] as const;

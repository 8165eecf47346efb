import { z } from 'zod';
import { GreenhouseId } from '../../tenants/schemas.js';

const name = z.string().trim().min(1).max(200);

/** One vendor-side invite: the operator API's body, and each row of a bulk CSV upload. */
export const InviteBody = z.strictObject({
  email: z.email().max(320),
  firstName: name,
  lastName: name,
  jobId: GreenhouseId,
  testId: z.string().trim().min(1).max(100).optional(),
});
export type InviteBody = z.infer<typeof InviteBody>;

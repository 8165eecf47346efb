-- Greenhouse refusing the completion-callback credential: the mode remembers it, journeys wait for a new one.
ALTER TABLE "tenant_modes" ADD COLUMN "callback_refused_at" TIMESTAMPTZ(3),
ADD COLUMN "callback_refusal_reason" TEXT;

ALTER TABLE "journeys" ADD COLUMN "greenhouse_wait_on" TEXT;

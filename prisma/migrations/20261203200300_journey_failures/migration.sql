-- Journeys whose workflow failed, was terminated or timed out: operators list and retry them.
ALTER TABLE "journeys" ADD COLUMN "failed_at" TIMESTAMPTZ(3),
ADD COLUMN "failure_reason" TEXT,
ADD COLUMN "status_before_failure" TEXT;

-- CreateIndex
CREATE INDEX "journeys_tenant_id_failed_at_idx" ON "journeys"("tenant_id", "failed_at");

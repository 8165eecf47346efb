-- AlterEnum
ALTER TYPE "ConnectionStatus" ADD VALUE 'needs_consent';

-- AlterTable
ALTER TABLE "greenhouse_connections" ADD COLUMN "tokens_refreshed_at" TIMESTAMPTZ(3),
ADD COLUMN "refresh_token_expires_at" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "journeys" ADD COLUMN "greenhouse_wait_since" TIMESTAMPTZ(3);

-- CreateIndex
CREATE INDEX "journeys_tenant_id_greenhouse_wait_since_idx" ON "journeys"("tenant_id", "greenhouse_wait_since");

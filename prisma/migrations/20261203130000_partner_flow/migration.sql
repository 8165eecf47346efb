-- AlterTable
ALTER TABLE "tenants" ADD COLUMN "callback_hosts" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
ADD COLUMN "partner_key_overlap_days" INTEGER NOT NULL DEFAULT 14;

-- AlterTable
ALTER TABLE "tenant_modes" ADD COLUMN "previous_partner_key_hash" TEXT,
ADD COLUMN "previous_partner_key_valid_until" TIMESTAMPTZ(3);

-- CreateIndex
CREATE UNIQUE INDEX "tenant_modes_previous_partner_key_hash_key" ON "tenant_modes"("previous_partner_key_hash");

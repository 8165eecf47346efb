-- Erasure per person (found by the keyed hash of their e-mail address) and per-tenant retention.

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN "retention_days" INTEGER NOT NULL DEFAULT 180;

-- CreateTable
CREATE TABLE "person_index" (
    "person_hash" TEXT NOT NULL,
    "journey_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "person_index_pkey" PRIMARY KEY ("person_hash","journey_id")
);

-- CreateIndex
CREATE INDEX "person_index_journey_id_idx" ON "person_index"("journey_id");

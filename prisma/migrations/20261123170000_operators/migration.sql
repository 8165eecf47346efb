-- CreateEnum
CREATE TYPE "OperatorRole" AS ENUM ('admin', 'support');

-- CreateTable
CREATE TABLE "operator_keys" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "role" "OperatorRole" NOT NULL,
    "tenant_id" TEXT,
    "key_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),

    CONSTRAINT "operator_keys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "operator_keys_key_hash_key" ON "operator_keys"("key_hash");

-- CreateTable
CREATE TABLE "audit_entries" (
    "id" SERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "actor_key_id" TEXT,
    "role" TEXT NOT NULL,
    "tenant_id" TEXT,
    "journey_id" TEXT,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "detail" JSONB,

    CONSTRAINT "audit_entries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_entries_tenant_id_at_idx" ON "audit_entries"("tenant_id", "at");

-- CreateIndex
CREATE INDEX "audit_entries_journey_id_idx" ON "audit_entries"("journey_id");

-- CreateTable
CREATE TABLE "journey_events" (
    "id" SERIAL NOT NULL,
    "journey_id" TEXT NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "step" TEXT NOT NULL,
    "label" TEXT NOT NULL,
    "attempt" INTEGER NOT NULL,
    "outcome" TEXT NOT NULL,
    "detail" TEXT,

    CONSTRAINT "journey_events_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "journey_events_journey_id_at_idx" ON "journey_events"("journey_id", "at");

-- CreateTable
CREATE TABLE "bulk_invites" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "total_rows" INTEGER NOT NULL,
    "valid_rows" INTEGER NOT NULL,
    "errors" JSONB NOT NULL,
    "rows" JSONB NOT NULL,
    "status" TEXT NOT NULL,
    "started" INTEGER NOT NULL DEFAULT 0,
    "already_invited" INTEGER NOT NULL DEFAULT 0,
    "failed" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "bulk_invites_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "bulk_invites_tenant_id_created_at_idx" ON "bulk_invites"("tenant_id", "created_at");

-- AlterTable
ALTER TABLE "journeys" ADD COLUMN "writeback_failed_step" TEXT;

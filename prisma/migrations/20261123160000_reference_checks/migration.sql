-- CreateEnum
CREATE TYPE "TestKind" AS ENUM ('assessment', 'reference_check');

-- AlterTable
ALTER TABLE "assessment_tests" ADD COLUMN "kind" "TestKind" NOT NULL DEFAULT 'assessment';

-- AlterEnum
ALTER TYPE "AccessLinkPurpose" ADD VALUE 'nominate';
ALTER TYPE "AccessLinkPurpose" ADD VALUE 'reference';

-- AlterTable
ALTER TABLE "access_links" ADD COLUMN "referee_id" TEXT;

-- CreateTable
CREATE TABLE "referees" (
    "id" TEXT NOT NULL,
    "journey_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "position" INTEGER NOT NULL,
    "name" TEXT NOT NULL,
    "email" TEXT NOT NULL,
    "email_normalized" TEXT NOT NULL,
    "phone" TEXT,
    "company" TEXT,
    "title" TEXT,
    "relationship" TEXT NOT NULL,
    "worked_from" TEXT,
    "worked_to" TEXT,
    "status" TEXT NOT NULL,
    "decline_reason" TEXT,
    "nominated_at" TIMESTAMPTZ(3) NOT NULL,
    "nominated_from_ip" TEXT,
    "nominated_from_fingerprint" TEXT,
    "requested_at" TIMESTAMPTZ(3),
    "due_at" TIMESTAMPTZ(3),
    "opened_at" TIMESTAMPTZ(3),
    "answered_at" TIMESTAMPTZ(3),
    "late" BOOLEAN NOT NULL DEFAULT false,
    "answers" JSONB,
    "answered_from_ip" TEXT,
    "answered_from_fingerprint" TEXT,
    "fraud_signals" JSONB NOT NULL DEFAULT '[]',
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "referees_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "referees_journey_id_position_key" ON "referees"("journey_id", "position");

-- CreateIndex
CREATE INDEX "referees_tenant_id_email_normalized_idx" ON "referees"("tenant_id", "email_normalized");

-- CreateTable
CREATE TABLE "reference_check_results" (
    "journey_id" TEXT NOT NULL,
    "partial" BOOLEAN NOT NULL,
    "answered" INTEGER NOT NULL,
    "quorum" INTEGER NOT NULL,
    "mean_rating" DOUBLE PRECISION,
    "reason" TEXT NOT NULL,
    "completed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "reference_check_results_pkey" PRIMARY KEY ("journey_id")
);

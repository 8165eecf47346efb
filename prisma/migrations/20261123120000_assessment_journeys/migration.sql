-- CreateEnum
CREATE TYPE "JourneyTrigger" AS ENUM ('greenhouse', 'vendor', 'webhook');

-- CreateEnum
CREATE TYPE "EmailDeliveryStatus" AS ENUM ('sending', 'sent');

-- CreateEnum
CREATE TYPE "AccessLinkPurpose" AS ENUM ('take_test', 'grade');

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN "branding" JSONB;

-- AlterTable
ALTER TABLE "journeys" ADD COLUMN "trigger" "JourneyTrigger",
ADD COLUMN "test_version" INTEGER,
ADD COLUMN "job_id" TEXT,
ADD COLUMN "callback_url" TEXT,
ADD COLUMN "sent_by" TEXT;

-- CreateTable
CREATE TABLE "journey_candidates" (
    "journey_id" TEXT NOT NULL,
    "first_name" TEXT NOT NULL,
    "last_name" TEXT NOT NULL,
    "preferred_name" TEXT,
    "email" TEXT NOT NULL,
    "phone" TEXT,

    CONSTRAINT "journey_candidates_pkey" PRIMARY KEY ("journey_id")
);

-- CreateTable
CREATE TABLE "email_deliveries" (
    "idempotency_key" TEXT NOT NULL,
    "journey_id" TEXT NOT NULL,
    "purpose" TEXT NOT NULL,
    "status" "EmailDeliveryStatus" NOT NULL,
    "message_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "email_deliveries_pkey" PRIMARY KEY ("idempotency_key")
);

-- CreateTable
CREATE TABLE "access_links" (
    "token_hash" TEXT NOT NULL,
    "journey_id" TEXT NOT NULL,
    "purpose" "AccessLinkPurpose" NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "revoked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "access_links_pkey" PRIMARY KEY ("token_hash")
);

-- CreateTable
CREATE TABLE "submissions" (
    "journey_id" TEXT NOT NULL,
    "answers" JSONB NOT NULL,
    "started_at" TIMESTAMPTZ(3),
    "submitted_at" TIMESTAMPTZ(3) NOT NULL,
    "auto_grade" JSONB NOT NULL,
    "grader_scores" JSONB,
    "result" JSONB,
    "graded_by" TEXT,
    "graded_at" TIMESTAMPTZ(3),

    CONSTRAINT "submissions_pkey" PRIMARY KEY ("journey_id")
);

-- CreateTable
CREATE TABLE "reports" (
    "journey_id" TEXT NOT NULL,
    "filename" TEXT NOT NULL,
    "content" BYTEA NOT NULL,
    "content_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "reports_pkey" PRIMARY KEY ("journey_id")
);

-- CreateTable
CREATE TABLE "harvest_effects" (
    "key" TEXT NOT NULL,
    "journey_id" TEXT NOT NULL,
    "effect" TEXT NOT NULL,
    "external_id" TEXT,
    "completed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "harvest_effects_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "partner_response_errors" (
    "id" SERIAL NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "api_call" TEXT NOT NULL,
    "errors" JSONB NOT NULL,
    "partner_test_id" TEXT,
    "partner_interview_id" TEXT,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "partner_response_errors_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_events" (
    "tenant_id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "outcome" TEXT NOT NULL,
    "received_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "webhook_events_pkey" PRIMARY KEY ("tenant_id","event_id")
);

-- CreateIndex
CREATE INDEX "email_deliveries_journey_id_idx" ON "email_deliveries"("journey_id");

-- CreateIndex
CREATE INDEX "access_links_journey_id_purpose_idx" ON "access_links"("journey_id", "purpose");

-- CreateIndex
CREATE INDEX "harvest_effects_journey_id_idx" ON "harvest_effects"("journey_id");

-- CreateIndex
CREATE INDEX "partner_response_errors_tenant_id_received_at_idx" ON "partner_response_errors"("tenant_id", "received_at");

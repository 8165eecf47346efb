-- Issue 18: journeys whose activity keeps retrying (for the stuck listing), and timeline rows that
-- stand for several identical failures in a row.

-- AlterTable
ALTER TABLE "journeys" ADD COLUMN "retrying_since" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "journey_events" ADD COLUMN "count" INTEGER NOT NULL DEFAULT 1,
ADD COLUMN "last_at" TIMESTAMPTZ(3);

-- The time limit counts from the first open of the test page; a submission taken at the limit says so.
ALTER TABLE "submissions" ADD COLUMN "timed_out" BOOLEAN NOT NULL DEFAULT false;

-- CreateTable
CREATE TABLE "test_attempts" (
    "journey_id" TEXT NOT NULL,
    "started_at" TIMESTAMPTZ(3) NOT NULL,
    "draft" JSONB,
    "saved_at" TIMESTAMPTZ(3),

    CONSTRAINT "test_attempts_pkey" PRIMARY KEY ("journey_id")
);

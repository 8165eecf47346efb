-- AlterTable
ALTER TABLE "journeys" ADD COLUMN "erased_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "journey_data_keys" (
    "journey_id" TEXT NOT NULL,
    "key_ciphertext" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "destroyed_at" TIMESTAMPTZ(3),

    CONSTRAINT "journey_data_keys_pkey" PRIMARY KEY ("journey_id")
);

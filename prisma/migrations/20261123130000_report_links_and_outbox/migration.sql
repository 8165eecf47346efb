-- AlterEnum
ALTER TYPE "AccessLinkPurpose" ADD VALUE 'report';

-- CreateTable
CREATE TABLE "outbox_mails" (
    "idempotency_key" TEXT NOT NULL,
    "mail" JSONB NOT NULL,
    "stored_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "outbox_mails_pkey" PRIMARY KEY ("idempotency_key")
);

-- CreateIndex
CREATE INDEX "outbox_mails_stored_at_idx" ON "outbox_mails"("stored_at");

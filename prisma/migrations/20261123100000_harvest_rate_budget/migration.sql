-- CreateTable
CREATE TABLE "harvest_rate_budgets" (
    "credential_key" TEXT NOT NULL,
    "request_limit" INTEGER,
    "window_ms" INTEGER NOT NULL,
    "slots" JSONB NOT NULL DEFAULT '[]',
    "blocked_until" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "harvest_rate_budgets_pkey" PRIMARY KEY ("credential_key")
);

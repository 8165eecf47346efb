-- CreateTable
-- UNLOGGED (Prisma's schema cannot say so): request counts of the current minute need no WAL on
-- every counted request; after a crash PostgreSQL empties the table, which only resets the limits.
CREATE UNLOGGED TABLE "rate_limits" (
    "key" VARCHAR(255) NOT NULL,
    "points" INTEGER NOT NULL DEFAULT 0,
    "expire" BIGINT,

    CONSTRAINT "rate_limits_pkey" PRIMARY KEY ("key")
);

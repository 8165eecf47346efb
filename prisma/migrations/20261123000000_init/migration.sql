-- CreateEnum
CREATE TYPE "TenantStatus" AS ENUM ('active', 'disconnected', 'suspended');

-- CreateEnum
CREATE TYPE "JourneyKind" AS ENUM ('assessment', 'reference_check', 'probe');

-- CreateTable
CREATE TABLE "tenants" (
    "id" TEXT NOT NULL,
    "slug" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "status" "TenantStatus" NOT NULL DEFAULT 'active',
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tenants_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "journeys" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "kind" "JourneyKind" NOT NULL,
    "status" TEXT NOT NULL,
    "status_detail" TEXT,
    "state_version" INTEGER NOT NULL DEFAULT 0,
    "test_id" TEXT,
    "greenhouse_application_id" TEXT,
    "greenhouse_candidate_id" TEXT,
    "score" DOUBLE PRECISION,
    "profile_url" TEXT,
    "deadline_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    "completed_at" TIMESTAMPTZ(3),

    CONSTRAINT "journeys_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "tenants_slug_key" ON "tenants"("slug");

-- CreateIndex
CREATE INDEX "journeys_tenant_id_status_idx" ON "journeys"("tenant_id", "status");

-- CreateIndex
CREATE INDEX "journeys_tenant_id_created_at_idx" ON "journeys"("tenant_id", "created_at");

-- CreateIndex
CREATE INDEX "journeys_tenant_id_greenhouse_application_id_idx" ON "journeys"("tenant_id", "greenhouse_application_id");

-- AddForeignKey
ALTER TABLE "journeys" ADD CONSTRAINT "journeys_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

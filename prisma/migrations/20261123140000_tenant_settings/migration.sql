-- CreateEnum
CREATE TYPE "ReportVisibility" AS ENUM ('public', 'private', 'admin_only');

-- AlterTable
ALTER TABLE "tenants" ADD COLUMN "report_visibility" "ReportVisibility" NOT NULL DEFAULT 'admin_only';

-- AlterTable
ALTER TABLE "job_test_mappings" ADD COLUMN "pass_stage_id" TEXT,
ADD COLUMN "fail_stage_id" TEXT;

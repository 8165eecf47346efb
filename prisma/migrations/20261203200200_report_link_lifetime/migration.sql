-- AlterTable
-- How long a recruiter's report link opens the report: a tenant setting, 90 days unless set.
ALTER TABLE "tenants" ADD COLUMN "report_link_lifetime_days" INTEGER NOT NULL DEFAULT 90;

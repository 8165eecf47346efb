-- AlterTable
ALTER TABLE "tenants" ADD COLUMN "default_grader_email" TEXT;

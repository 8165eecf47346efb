-- CreateEnum
CREATE TYPE "GreenhouseAuthKind" AS ENUM ('v3_client_credentials', 'v3_authorization_code', 'v1_key');

-- CreateEnum
CREATE TYPE "ConnectionStatus" AS ENUM ('connected', 'disconnected');

-- CreateEnum
CREATE TYPE "IntegrationMode" AS ENUM ('greenhouse_invite', 'vendor_invite', 'webhook_trigger');

-- CreateEnum
CREATE TYPE "ResultField" AS ENUM ('status', 'score', 'pass_fail', 'report_link', 'test_name', 'completed_at');

-- CreateEnum
CREATE TYPE "CustomFieldScope" AS ENUM ('application', 'candidate');

-- CreateTable
CREATE TABLE "greenhouse_connections" (
    "tenant_id" TEXT NOT NULL,
    "auth_kind" "GreenhouseAuthKind" NOT NULL,
    "greenhouse_host" TEXT NOT NULL,
    "harvest_base_url" TEXT NOT NULL,
    "auth_base_url" TEXT,
    "client_id" TEXT,
    "secret_ciphertext" TEXT NOT NULL,
    "refresh_token_ciphertext" TEXT,
    "audit_user_id" TEXT,
    "status" "ConnectionStatus" NOT NULL DEFAULT 'connected',
    "status_reason" TEXT,
    "permission_report" JSONB,
    "checked_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "greenhouse_connections_pkey" PRIMARY KEY ("tenant_id")
);

-- CreateTable
CREATE TABLE "tenant_modes" (
    "tenant_id" TEXT NOT NULL,
    "mode" "IntegrationMode" NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "partner_key_hash" TEXT,
    "callback_credential_ciphertext" TEXT,
    "webhook_secret_ciphertext" TEXT,
    "activated_at" TIMESTAMPTZ(3),
    "deactivated_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tenant_modes_pkey" PRIMARY KEY ("tenant_id","mode")
);

-- CreateTable
CREATE TABLE "custom_field_mappings" (
    "tenant_id" TEXT NOT NULL,
    "result_field" "ResultField" NOT NULL,
    "scope" "CustomFieldScope" NOT NULL,
    "custom_field_id" TEXT NOT NULL,
    "value_type" TEXT NOT NULL,
    "field_name" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "custom_field_mappings_pkey" PRIMARY KEY ("tenant_id","result_field")
);

-- CreateTable
CREATE TABLE "job_test_mappings" (
    "tenant_id" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "test_id" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "job_test_mappings_pkey" PRIMARY KEY ("tenant_id","job_id")
);

-- CreateTable
CREATE TABLE "stage_test_mappings" (
    "tenant_id" TEXT NOT NULL,
    "stage_id" TEXT NOT NULL,
    "job_id" TEXT NOT NULL,
    "test_id" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "stage_test_mappings_pkey" PRIMARY KEY ("tenant_id","stage_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "tenant_modes_partner_key_hash_key" ON "tenant_modes"("partner_key_hash");

-- AddForeignKey
ALTER TABLE "greenhouse_connections" ADD CONSTRAINT "greenhouse_connections_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tenant_modes" ADD CONSTRAINT "tenant_modes_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "custom_field_mappings" ADD CONSTRAINT "custom_field_mappings_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "job_test_mappings" ADD CONSTRAINT "job_test_mappings_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "stage_test_mappings" ADD CONSTRAINT "stage_test_mappings_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "greenhouse_authorizations" (
    "state_hash" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "client_id" TEXT NOT NULL,
    "secret_ciphertext" TEXT NOT NULL,
    "greenhouse_host" TEXT NOT NULL,
    "harvest_base_url" TEXT NOT NULL,
    "auth_base_url" TEXT NOT NULL,
    "redirect_uri" TEXT NOT NULL,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "greenhouse_authorizations_pkey" PRIMARY KEY ("state_hash")
);

-- CreateIndex
CREATE INDEX "greenhouse_authorizations_tenant_id_idx" ON "greenhouse_authorizations"("tenant_id");

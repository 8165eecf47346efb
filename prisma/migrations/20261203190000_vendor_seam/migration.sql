-- The vendor seam (issue 16): the vendor's packages, their enabling per tenant, orders, signed
-- events out with their delivery log, and the keys that sign launch assertions.

-- AlterEnum
ALTER TYPE "JourneyKind" ADD VALUE 'vendor_hosted';
ALTER TYPE "OperatorRole" ADD VALUE 'integration';

-- CreateEnum
CREATE TYPE "VendorInviteDelivery" AS ENUM ('greenroom', 'vendor');

-- CreateTable
CREATE TABLE "vendor_packages" (
    "id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "kind" "TestKind" NOT NULL,
    "current_version" INTEGER NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "vendor_packages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vendor_package_versions" (
    "package_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "definition" JSONB NOT NULL,
    "content_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vendor_package_versions_pkey" PRIMARY KEY ("package_id","version")
);

-- CreateTable
CREATE TABLE "tenant_vendor_packages" (
    "tenant_id" TEXT NOT NULL,
    "package_id" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "invite_delivery" "VendorInviteDelivery" NOT NULL DEFAULT 'greenroom',
    "enabled_by" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tenant_vendor_packages_pkey" PRIMARY KEY ("tenant_id","package_id")
);

-- CreateTable
CREATE TABLE "vendor_attribute_mappings" (
    "tenant_id" TEXT NOT NULL,
    "package_id" TEXT NOT NULL,
    "attribute" TEXT NOT NULL,
    "scope" "CustomFieldScope" NOT NULL,
    "custom_field_id" TEXT NOT NULL,
    "value_type" TEXT NOT NULL,
    "field_name" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "vendor_attribute_mappings_pkey" PRIMARY KEY ("tenant_id","package_id","attribute")
);

-- CreateTable
CREATE TABLE "vendor_orders" (
    "journey_id" TEXT NOT NULL,
    "tenant_id" TEXT NOT NULL,
    "package_id" TEXT NOT NULL,
    "package_version" INTEGER NOT NULL,
    "invite_delivery" "VendorInviteDelivery" NOT NULL,
    "status" TEXT NOT NULL,
    "progress_percent" INTEGER,
    "opened_at" TIMESTAMPTZ(3),
    "started_at" TIMESTAMPTZ(3),
    "result" JSONB,
    "result_hash" TEXT,
    "result_accepted_at" TIMESTAMPTZ(3),
    "event_sequence" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "vendor_orders_pkey" PRIMARY KEY ("journey_id")
);

-- CreateTable
CREATE TABLE "vendor_endpoints" (
    "id" TEXT NOT NULL,
    "tenant_id" TEXT,
    "url" TEXT NOT NULL,
    "event_types" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "secret_ciphertext" TEXT NOT NULL,
    "previous_secret_ciphertext" TEXT,
    "previous_secret_until" TIMESTAMPTZ(3),
    "disabled_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "vendor_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vendor_events" (
    "id" TEXT NOT NULL,
    "type" TEXT NOT NULL,
    "tenant_id" TEXT,
    "order_id" TEXT,
    "sequence" INTEGER,
    "payload" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "vendor_events_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "vendor_deliveries" (
    "id" TEXT NOT NULL,
    "event_id" TEXT NOT NULL,
    "endpoint_id" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_attempt_at" TIMESTAMPTZ(3),
    "last_status_code" INTEGER,
    "last_error" TEXT,
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "vendor_deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "signing_keys" (
    "kid" TEXT NOT NULL,
    "algorithm" TEXT NOT NULL,
    "private_key_ciphertext" TEXT NOT NULL,
    "public_jwk" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "active_from" TIMESTAMPTZ(3) NOT NULL,
    "retired_at" TIMESTAMPTZ(3),

    CONSTRAINT "signing_keys_pkey" PRIMARY KEY ("kid")
);

-- CreateIndex
CREATE INDEX "vendor_orders_tenant_id_status_created_at_idx" ON "vendor_orders"("tenant_id", "status", "created_at");

-- CreateIndex
CREATE INDEX "vendor_orders_status_created_at_idx" ON "vendor_orders"("status", "created_at");

-- CreateIndex
CREATE INDEX "vendor_events_created_at_idx" ON "vendor_events"("created_at");

-- CreateIndex
CREATE INDEX "vendor_events_type_created_at_idx" ON "vendor_events"("type", "created_at");

-- CreateIndex
CREATE UNIQUE INDEX "vendor_events_order_id_sequence_key" ON "vendor_events"("order_id", "sequence");

-- CreateIndex
CREATE INDEX "vendor_deliveries_event_id_idx" ON "vendor_deliveries"("event_id");

-- CreateIndex
CREATE INDEX "vendor_deliveries_endpoint_id_created_at_idx" ON "vendor_deliveries"("endpoint_id", "created_at");

-- CreateIndex
CREATE INDEX "vendor_deliveries_status_created_at_idx" ON "vendor_deliveries"("status", "created_at");

-- AddForeignKey
ALTER TABLE "vendor_package_versions" ADD CONSTRAINT "vendor_package_versions_package_id_fkey" FOREIGN KEY ("package_id") REFERENCES "vendor_packages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "tenant_vendor_packages" ADD CONSTRAINT "tenant_vendor_packages_package_id_fkey" FOREIGN KEY ("package_id") REFERENCES "vendor_packages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "assessment_tests" (
    "tenant_id" TEXT NOT NULL,
    "test_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "current_version" INTEGER NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "assessment_tests_pkey" PRIMARY KEY ("tenant_id","test_id")
);

-- CreateTable
CREATE TABLE "assessment_test_versions" (
    "tenant_id" TEXT NOT NULL,
    "test_id" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "definition" JSONB NOT NULL,
    "content_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "assessment_test_versions_pkey" PRIMARY KEY ("tenant_id","test_id","version")
);

-- AddForeignKey
ALTER TABLE "assessment_tests" ADD CONSTRAINT "assessment_tests_tenant_id_fkey" FOREIGN KEY ("tenant_id") REFERENCES "tenants"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "assessment_test_versions" ADD CONSTRAINT "assessment_test_versions_tenant_id_test_id_fkey" FOREIGN KEY ("tenant_id", "test_id") REFERENCES "assessment_tests"("tenant_id", "test_id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Operator redeliveries of one delivery: the n-th runs as workflow `<delivery id>:r<n>`.
ALTER TABLE "vendor_deliveries" ADD COLUMN "redeliveries" INTEGER NOT NULL DEFAULT 0;

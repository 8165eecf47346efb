-- An order's launch link, sealed with the journey's data key (the raw link is shown to the vendor).
ALTER TABLE "vendor_orders" ADD COLUMN "launch_url_sealed" JSONB;

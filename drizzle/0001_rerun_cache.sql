ALTER TABLE "executions" ADD COLUMN "cache_key" text;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "cache_version" text;--> statement-breakpoint
ALTER TABLE "executions" ADD COLUMN "cached_from" bigint;--> statement-breakpoint
CREATE INDEX "executions_cache_key_idx" ON "executions" USING btree ("cache_key","state");--> statement-breakpoint
CREATE INDEX "executions_rerun_of_idx" ON "executions" USING btree ("rerun_of");
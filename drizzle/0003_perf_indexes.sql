DROP INDEX "artifacts_type_uri_idx";--> statement-breakpoint
DROP INDEX "contexts_run_started_idx";--> statement-breakpoint
DROP INDEX "executions_state_idx";--> statement-breakpoint
DROP INDEX "artifacts_digest_idx";--> statement-breakpoint
DROP INDEX "contexts_workflow_idx";--> statement-breakpoint
DROP INDEX "events_artifact_idx";--> statement-breakpoint
DROP INDEX "executions_cache_key_idx";--> statement-breakpoint
DROP INDEX "executions_rerun_of_idx";--> statement-breakpoint
CREATE INDEX "artifacts_uri_idx" ON "artifacts" USING btree ("uri" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "contexts_type_started_idx" ON "contexts" USING btree ("type","started_at" DESC NULLS LAST,"id" DESC NULLS FIRST);--> statement-breakpoint
CREATE INDEX "contexts_run_id_idx" ON "contexts" USING btree ("run_id" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "executions_running_idx" ON "executions" USING btree ("id") WHERE "executions"."state" = 'RUNNING';--> statement-breakpoint
CREATE INDEX "artifacts_digest_idx" ON "artifacts" USING btree ("digest" text_pattern_ops);--> statement-breakpoint
CREATE INDEX "contexts_workflow_idx" ON "contexts" USING btree ("workflow_id" text_pattern_ops,"run_id");--> statement-breakpoint
CREATE INDEX "events_artifact_idx" ON "events" USING btree ("artifact_id","type","execution_id");--> statement-breakpoint
CREATE INDEX "executions_cache_key_idx" ON "executions" USING btree ("cache_key","ended_at" DESC NULLS FIRST,"id" DESC NULLS FIRST) WHERE "executions"."state" = 'COMPLETE';--> statement-breakpoint
CREATE INDEX "executions_rerun_of_idx" ON "executions" USING btree ("rerun_of") WHERE "executions"."rerun_of" is not null;
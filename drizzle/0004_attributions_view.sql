DROP TABLE "attributions" CASCADE;--> statement-breakpoint
DROP INDEX "executions_type_input_idx";--> statement-breakpoint
CREATE VIEW "public"."attributions" AS (select distinct "associations"."context_id", "events"."artifact_id" from "associations" inner join "events" on "events"."execution_id" = "associations"."execution_id");
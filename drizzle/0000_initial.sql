CREATE TABLE "artifacts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "artifacts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"identity" text NOT NULL,
	"type" text NOT NULL,
	"uri" text,
	"digest" text NOT NULL,
	"value_digest" text NOT NULL,
	"value" jsonb,
	"inline" boolean NOT NULL,
	"size_bytes" integer NOT NULL,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "associations" (
	"context_id" bigint NOT NULL,
	"execution_id" bigint NOT NULL,
	CONSTRAINT "associations_context_id_execution_id_pk" PRIMARY KEY("context_id","execution_id")
);
--> statement-breakpoint
CREATE TABLE "attributions" (
	"context_id" bigint NOT NULL,
	"artifact_id" bigint NOT NULL,
	CONSTRAINT "attributions_context_id_artifact_id_pk" PRIMARY KEY("context_id","artifact_id")
);
--> statement-breakpoint
CREATE TABLE "contexts" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "contexts_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"type" text NOT NULL,
	"name" text NOT NULL,
	"workflow_type" text,
	"workflow_id" text,
	"run_id" text,
	"status" text,
	"args_digest" text,
	"args" jsonb,
	"result" jsonb,
	"error" text,
	"task_queue" text,
	"started_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"rerun_of" text,
	"rerun_from" text,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "events" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "events_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"execution_id" bigint NOT NULL,
	"artifact_id" bigint NOT NULL,
	"type" text NOT NULL,
	"path" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "executions" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "executions_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"workflow_id" text NOT NULL,
	"run_id" text NOT NULL,
	"activity_id" text NOT NULL,
	"attempt" integer NOT NULL,
	"activity_type" text NOT NULL,
	"task_queue" text NOT NULL,
	"is_local" boolean DEFAULT false NOT NULL,
	"worker_identity" text,
	"build_id" text,
	"state" text NOT NULL,
	"started_at" timestamp with time zone NOT NULL,
	"ended_at" timestamp with time zone,
	"error" jsonb,
	"input_digest" text NOT NULL,
	"output_digest" text,
	"rerun_of" bigint,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "parent_contexts" (
	"child_id" bigint NOT NULL,
	"parent_id" bigint NOT NULL,
	CONSTRAINT "parent_contexts_child_id_parent_id_pk" PRIMARY KEY("child_id","parent_id")
);
--> statement-breakpoint
ALTER TABLE "associations" ADD CONSTRAINT "associations_context_id_contexts_id_fk" FOREIGN KEY ("context_id") REFERENCES "public"."contexts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "associations" ADD CONSTRAINT "associations_execution_id_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attributions" ADD CONSTRAINT "attributions_context_id_contexts_id_fk" FOREIGN KEY ("context_id") REFERENCES "public"."contexts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attributions" ADD CONSTRAINT "attributions_artifact_id_artifacts_id_fk" FOREIGN KEY ("artifact_id") REFERENCES "public"."artifacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_execution_id_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_artifact_id_artifacts_id_fk" FOREIGN KEY ("artifact_id") REFERENCES "public"."artifacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parent_contexts" ADD CONSTRAINT "parent_contexts_child_id_contexts_id_fk" FOREIGN KEY ("child_id") REFERENCES "public"."contexts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "parent_contexts" ADD CONSTRAINT "parent_contexts_parent_id_contexts_id_fk" FOREIGN KEY ("parent_id") REFERENCES "public"."contexts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "artifacts_identity_key" ON "artifacts" USING btree ("identity");--> statement-breakpoint
CREATE INDEX "artifacts_type_uri_idx" ON "artifacts" USING btree ("type","uri");--> statement-breakpoint
CREATE INDEX "artifacts_digest_idx" ON "artifacts" USING btree ("digest");--> statement-breakpoint
CREATE INDEX "associations_execution_idx" ON "associations" USING btree ("execution_id");--> statement-breakpoint
CREATE INDEX "attributions_artifact_idx" ON "attributions" USING btree ("artifact_id");--> statement-breakpoint
CREATE UNIQUE INDEX "contexts_type_name_key" ON "contexts" USING btree ("type","name");--> statement-breakpoint
CREATE INDEX "contexts_run_started_idx" ON "contexts" USING btree ("type","started_at");--> statement-breakpoint
CREATE INDEX "contexts_workflow_idx" ON "contexts" USING btree ("workflow_id","run_id");--> statement-breakpoint
CREATE UNIQUE INDEX "events_edge_key" ON "events" USING btree ("execution_id","artifact_id","type","path");--> statement-breakpoint
CREATE INDEX "events_artifact_idx" ON "events" USING btree ("artifact_id","type");--> statement-breakpoint
CREATE UNIQUE INDEX "executions_attempt_key" ON "executions" USING btree ("workflow_id","run_id","activity_id","attempt");--> statement-breakpoint
CREATE INDEX "executions_type_input_idx" ON "executions" USING btree ("activity_type","input_digest");--> statement-breakpoint
CREATE INDEX "executions_state_idx" ON "executions" USING btree ("state");--> statement-breakpoint
CREATE INDEX "parent_contexts_parent_idx" ON "parent_contexts" USING btree ("parent_id");
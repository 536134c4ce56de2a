CREATE TABLE "alias_moves" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "alias_moves_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"name" text NOT NULL,
	"from_artifact_id" bigint,
	"to_artifact_id" bigint,
	"author" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "aliases" (
	"name" text PRIMARY KEY NOT NULL,
	"artifact_id" bigint,
	"author" text NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "notes" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "notes_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"context_id" bigint,
	"execution_id" bigint,
	"artifact_id" bigint,
	"body" text NOT NULL,
	"author" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "notes_one_subject" CHECK (num_nonnulls("notes"."context_id", "notes"."execution_id", "notes"."artifact_id") = 1)
);
--> statement-breakpoint
CREATE TABLE "tags" (
	"id" bigint PRIMARY KEY GENERATED ALWAYS AS IDENTITY (sequence name "tags_id_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1),
	"context_id" bigint,
	"artifact_id" bigint,
	"key" text NOT NULL,
	"value" text NOT NULL,
	"author" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "tags_one_subject" CHECK (("tags"."context_id" is null) <> ("tags"."artifact_id" is null))
);
--> statement-breakpoint
ALTER TABLE "alias_moves" ADD CONSTRAINT "alias_moves_name_aliases_name_fk" FOREIGN KEY ("name") REFERENCES "public"."aliases"("name") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "aliases" ADD CONSTRAINT "aliases_artifact_id_artifacts_id_fk" FOREIGN KEY ("artifact_id") REFERENCES "public"."artifacts"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_context_id_contexts_id_fk" FOREIGN KEY ("context_id") REFERENCES "public"."contexts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_execution_id_executions_id_fk" FOREIGN KEY ("execution_id") REFERENCES "public"."executions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "notes" ADD CONSTRAINT "notes_artifact_id_artifacts_id_fk" FOREIGN KEY ("artifact_id") REFERENCES "public"."artifacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tags" ADD CONSTRAINT "tags_context_id_contexts_id_fk" FOREIGN KEY ("context_id") REFERENCES "public"."contexts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tags" ADD CONSTRAINT "tags_artifact_id_artifacts_id_fk" FOREIGN KEY ("artifact_id") REFERENCES "public"."artifacts"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "alias_moves_name_idx" ON "alias_moves" USING btree ("name","id");--> statement-breakpoint
CREATE INDEX "notes_context_idx" ON "notes" USING btree ("context_id") WHERE "notes"."context_id" is not null;--> statement-breakpoint
CREATE INDEX "notes_execution_idx" ON "notes" USING btree ("execution_id") WHERE "notes"."execution_id" is not null;--> statement-breakpoint
CREATE INDEX "notes_artifact_idx" ON "notes" USING btree ("artifact_id") WHERE "notes"."artifact_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "tags_run_key" ON "tags" USING btree ("context_id","key") WHERE "tags"."context_id" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "tags_artifact_key" ON "tags" USING btree ("artifact_id","key") WHERE "tags"."artifact_id" is not null;--> statement-breakpoint
CREATE INDEX "tags_key_value_idx" ON "tags" USING btree ("key","value");
ALTER TABLE "contexts" ADD COLUMN "continued_from" bigint;--> statement-breakpoint
ALTER TABLE "events" ADD COLUMN "producer_execution_id" bigint;--> statement-breakpoint
ALTER TABLE "events" ADD CONSTRAINT "events_producer_execution_id_executions_id_fk" FOREIGN KEY ("producer_execution_id") REFERENCES "public"."executions"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
-- Stores written before producers were recorded: each INPUT edge gets the latest execution of the
-- consumer's run tree (its root run and that run's child runs) that output the same artifact and
-- ended before the consumer started; none found means an external input of the run.
UPDATE "events" AS e SET "producer_execution_id" = (
  SELECT x."id" FROM "events" AS o
  JOIN "executions" AS x ON x."id" = o."execution_id"
  JOIN "associations" AS xa ON xa."execution_id" = x."id"
  JOIN "contexts" AS xc ON xc."id" = xa."context_id" AND xc."type" = 'run'
  JOIN "executions" AS c ON c."id" = e."execution_id"
  JOIN "associations" AS ca ON ca."execution_id" = c."id"
  JOIN "contexts" AS cc ON cc."id" = ca."context_id" AND cc."type" = 'run'
  WHERE o."artifact_id" = e."artifact_id" AND o."type" = 'OUTPUT' AND x."id" <> c."id"
    AND x."state" IN ('COMPLETE', 'CACHED') AND x."ended_at" <= c."started_at"
    AND coalesce(xc."root_id", xc."id") = coalesce(cc."root_id", cc."id")
  ORDER BY x."ended_at" DESC, x."id" DESC
  LIMIT 1
)
WHERE e."type" = 'INPUT';--> statement-breakpoint
CREATE INDEX "events_producer_idx" ON "events" USING btree ("producer_execution_id") WHERE "events"."producer_execution_id" is not null;
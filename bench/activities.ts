import { Context } from '@temporalio/activity';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';

/** A realistic ~2 KB parameter object: hyper-parameters, a feature list, free-text notes. */
export type BenchParams = Record<string, unknown>;

export function benchParams(): BenchParams {
  const features = Array.from({ length: 70 }, (_, i) => `feature_${String(i).padStart(2, '0')}_normalised`);
  return {
    algorithm: 'gradient-boosting',
    learningRate: 0.05,
    maxDepth: 6,
    nEstimators: 400,
    subsample: 0.8,
    columnSample: 0.7,
    earlyStopping: { rounds: 20, metric: 'logloss' },
    features,
    notes:
      'baseline configuration for the weekly retraining job; see the experiment tracker for details. '.repeat(
        2,
      ),
  };
}

/**
 * Per-activity timings for one Worker: `overheadMs` is the time the activity spends inside the
 * Worker's interceptor chain minus the time spent in its body, i.e. what interceptors (the
 * lineage plugin's, when present) add to every attempt.
 */
export class Timings {
  overheadMs: number[] = [];
  /** Round trips of {@link probe}, one per activity. */
  probeMs: number[] = [];
  private readonly bodyMs = new Map<string, number>();

  /**
   * When set (baseline mode), called as each activity enters the Worker, and not awaited: it
   * times one small committed write to Postgres issued at that very moment, i.e. the floor under
   * any plugin that writes synchronously, measured under the same load as the activity.
   */
  constructor(private readonly probe?: () => Promise<unknown>) {}

  static key(info: { workflowExecution?: { runId: string } | undefined; activityId: string }): string {
    return `${info.workflowExecution?.runId ?? ''}:${info.activityId}`;
  }

  body(key: string, ms: number): void {
    this.bodyMs.set(key, ms);
  }

  /** The outermost activity interceptor (the plugin appends its own after the Worker's). */
  interceptor(): ActivityInterceptorsFactory {
    return (ctx) => ({
      inbound: {
        execute: async (input, next) => {
          const started = performance.now();
          if (this.probe) {
            void this.probe().then(
              () => this.probeMs.push(performance.now() - started),
              () => {},
            );
          }
          try {
            return await next(input);
          } finally {
            const key = Timings.key(ctx.info);
            this.overheadMs.push(performance.now() - started - (this.bodyMs.get(key) ?? 0));
            this.bodyMs.delete(key);
          }
        },
      },
    });
  }
}

export interface BenchOutput {
  kind: 'Dataset';
  uri: string;
  rows: number;
}

/** A no-op-ish step: reads its inputs and returns a new Dataset-shaped output. */
export function createBenchActivities(timings: Timings) {
  return {
    benchStep(params: BenchParams, dataset: { kind: 'Dataset'; uri: string }): Promise<BenchOutput> {
      const started = performance.now();
      const { chain, step } = params as { chain: number; step: number };
      const output = {
        kind: 'Dataset' as const,
        uri: `${dataset.uri.replace(/\.csv$/, '')}/part-${chain}-${step}.parquet`,
        rows: JSON.stringify(params).length,
      };
      timings.body(Timings.key(Context.current().info), performance.now() - started);
      return Promise.resolve(output);
    },
  };
}

export type BenchActivities = ReturnType<typeof createBenchActivities>;

import type { Sinks } from '@temporalio/workflow';
import type { LineageHeader } from './lineage-header';

/** How a run ended, as the workflow interceptor sees it. */
export type RunEndStatus = 'COMPLETED' | 'FAILED' | 'CANCELED' | 'CONTINUED_AS_NEW';

/** The sink through which sandboxed workflow code reports run-level lineage to the worker. */
export interface LineageSinks extends Sinks {
  lineage: {
    runStarted(args: unknown[], header: LineageHeader): void;
    /** `endedAtMs`: the workflow's clock at its last task (absent from workers of older versions). */
    runEnded(status: RunEndStatus, result: unknown, error: string | null, endedAtMs?: number): void;
  };
}

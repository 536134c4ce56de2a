import { isReplayable, lossyMarker, type EncodedValue } from '../artifacts/encode';
import { loadRun, pairRuns } from '../query/diff';
import type { RunRow } from '../query/rows';
import type { Step } from '../query/step-pairing';
import type { LineageStore } from '../store/open-store';

/** What `rerun run` will do with one step of the original run tree. */
export interface PlannedStep {
  /** The step's label, as `lineage diff` names it. */
  readonly step: string;
  readonly activityType: string;
  /** The original's last attempt of the step. */
  readonly execution: number;
  /** `reuse`: the new run returns this execution's recorded output without running it. */
  readonly action: 'reuse' | 'run';
  /** Why: `before --from, output recorded`, `stored digest-only (over maxInlineBytes)`, … */
  readonly reason: string;
}

/** The plan of a run rerun, computed before anything starts. */
export interface RerunPlan {
  readonly run: string;
  readonly from: string | null;
  /** Every step of the original run tree, in the order it first started. */
  readonly steps: readonly PlannedStep[];
}

/** Where the rerun restarts: the step's activity type and the workflow types of the runs that hold it. */
export interface PlanFrom {
  readonly ref: string;
  readonly activityType: string;
}

const REUSABLE = new Set(['COMPLETE', 'CACHED']);

/** Why a step scheduled before the `--from` step cannot return its recorded output, or null when it can. */
function cannotReuse(step: Step): string | null {
  const { state, outputs } = step.execution;
  if (!REUSABLE.has(state)) return `not COMPLETE (last attempt ${state})`;
  const result = outputs.find((o) => o.path === 'result');
  if (!result) return 'no recorded result';
  if (!result.artifact.inline)
    return `result stored digest-only (${result.artifact.sizeBytes} bytes, over maxInlineBytes)`;
  const value = (result.artifact.value ?? null) as EncodedValue;
  if (!isReplayable(value))
    return `result not reusable: capture kept a marker (${lossyMarker(value)}) instead of the value`;
  return null;
}

const ms = (d: Date | null) => d?.getTime() ?? Infinity;
const idOrder = (id: string) => (/^\d+$/.test(id) ? Number(id) : Infinity);

/**
 * The plan of rerunning `original` from `from` (or from the start): for every step of the run
 * tree, whether the new run reuses its recorded output or runs it again, and why. A step is
 * before `--from` when the workflow schedules it before the first step of that activity type —
 * by schedule order (activity id) in the run that holds that step, by start time elsewhere — as
 * the Worker decides it, on the assumption that the new run schedules what the original did.
 * With `set`, changed arguments may change a step's inputs, and a step whose inputs differ runs.
 */
export async function planRerun(
  store: LineageStore,
  original: RunRow,
  from: PlanFrom | null,
  options: { readonly overrides: boolean; readonly noCache: boolean },
): Promise<RerunPlan> {
  const [paired] = pairRuns([await loadRun(store, original.name)]);
  const steps = [...paired!.steps.values()].sort(
    (a, b) => ms(a.firstStartedAt) - ms(b.firstStartedAt) || a.execution.id - b.execution.id,
  );
  const fromSteps = from ? steps.filter((s) => s.execution.activityType === from.activityType) : [];
  const firstFrom = Math.min(...fromSteps.map((s) => ms(s.firstStartedAt)));
  const firstIdIn = new Map<string, number>();
  for (const s of fromSteps) {
    const id = idOrder(s.execution.activityId);
    firstIdIn.set(s.path, Math.min(id, firstIdIn.get(s.path) ?? Infinity));
  }
  const before = (s: Step) => {
    const firstId = firstIdIn.get(s.path);
    return firstId !== undefined
      ? idOrder(s.execution.activityId) < firstId
      : ms(s.firstStartedAt) < firstFrom;
  };
  const cacheNote = options.noCache
    ? ''
    : " (the Worker's execution cache may still return a recorded output)";
  const planned = steps.map((s): PlannedStep => {
    const base = { step: s.label, activityType: s.execution.activityType, execution: s.execution.id };
    if (!from) return { ...base, action: 'run', reason: `no --from: every step runs${cacheNote}` };
    if (!before(s)) {
      const reason =
        s.execution.activityType === from.activityType
          ? `the --from step (${from.ref})`
          : `scheduled after --from ${from.ref}`;
      return { ...base, action: 'run', reason };
    }
    const why = cannotReuse(s);
    if (why) return { ...base, action: 'run', reason: why };
    return {
      ...base,
      action: 'reuse',
      reason: options.overrides
        ? `recorded output of e${s.execution.id}, if --set leaves its inputs unchanged`
        : `recorded output of e${s.execution.id}`,
    };
  });
  return { run: original.name, from: from?.ref ?? null, steps: planned };
}

/** The plan as `lineage rerun run` prints it: one line per step. */
export function formatPlan(plan: RerunPlan): string {
  const reused = plan.steps.filter((s) => s.action === 'reuse').length;
  const lines = [
    `plan: rerun ${plan.run}${plan.from ? ` from ${plan.from}` : ''}: ` +
      `${reused} step${reused === 1 ? '' : 's'} reused, ${plan.steps.length - reused} run again`,
  ];
  const width = Math.max(0, ...plan.steps.map((s) => s.step.length));
  for (const s of plan.steps) {
    lines.push(
      `  ${s.action === 'reuse' ? 'reuse' : 'run  '}  ${s.step.padEnd(width)}  e${s.execution}  ${s.reason}`,
    );
  }
  return lines.join('\n');
}

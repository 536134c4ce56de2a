/**
 * What result admission adds to an attempt: the Worker's result conversion as the SDK does it
 * alone (baseline), and as it goes with the plugin, whose interceptor converts and sizes the
 * result first, then hands the SDK a RawValue (outermost) or the result itself (another
 * interceptor outside it, so the SDK converts again). Measured for a small result and a 2 KB one,
 * with and without a payload codec, in rounds that rotate the modes so that drift cancels out.
 *
 *   npx tsx bench/result-admission.ts
 *
 * Prints per-attempt times and each mode's ratio to the baseline of the same run; no Temporal
 * server is needed (the namespace's limit is Temporal's default).
 */
import { deflateRawSync } from 'node:zlib';
import type { Info as ActivityInfo } from '@temporalio/activity';
import {
  defaultDataConverter,
  type LoadedDataConverter,
  type Payload,
  type PayloadCodec,
} from '@temporalio/common';
import { encodeToPayload } from '@temporalio/common/lib/internal-non-workflow';
import type { ActivityInterceptorsFactory, Worker } from '@temporalio/worker';
import { ResultAdmission } from '../src/capture/result-admission';
import { percentile } from './report';

const ROUNDS = 8;
const PER_ROUND = 5_000;

/** A codec as cheap as real ones get: deflate at its fastest level. */
const deflating: PayloadCodec = {
  encode: (payloads: Payload[]) =>
    Promise.resolve(
      payloads.map((p) => ({
        metadata: p.metadata ?? {},
        data: deflateRawSync(p.data ?? new Uint8Array(), { level: 1 }),
      })),
    ),
  decode: (payloads: Payload[]) => Promise.resolve(payloads),
};

const RESULTS = {
  small: { kind: 'Metrics', accuracy: 0.9312, f1: 0.91 },
  '2 KB': {
    kind: 'Model',
    uri: 's3://models/run-42/model.bin',
    params: Object.fromEntries(
      Array.from({ length: 60 }, (_, i) => [`param_${i}`, `value-${i}-${'v'.repeat(12)}`]),
    ),
  },
};

const info = {
  activityNamespace: 'default',
  taskQueue: 'bench',
  activityId: '1',
  activityType: 'train',
  isLocal: false,
  workflowExecution: { workflowId: 'bench-wf', runId: 'bench-run' },
} as unknown as ActivityInfo;

const plugins: ActivityInterceptorsFactory = () => ({});
const other: ActivityInterceptorsFactory = () => ({});

/** An admission that knows one Worker, described by the compiled options it reads. */
function admissionFor(converter: LoadedDataConverter, outermost: boolean): ResultAdmission {
  const admission = new ResultAdmission();
  const worker = {
    options: {
      namespace: 'default',
      taskQueue: 'bench',
      loadedDataConverter: converter,
      activities: new Map(),
      interceptors: { activity: outermost ? [plugins] : [other, plugins] },
    },
    connection: undefined,
  } as unknown as Worker;
  admission.register(worker, plugins);
  return admission;
}

type Mode = 'baseline' | 'outermost' | 'not outermost';
const MODES: readonly Mode[] = ['baseline', 'outermost', 'not outermost'];

function attemptOf(mode: Mode, converter: LoadedDataConverter): (value: unknown) => Promise<unknown> {
  if (mode === 'baseline') return (value) => encodeToPayload(converter, value);
  const admission = admissionFor(converter, mode === 'outermost');
  return async (value) => {
    const admitted = await admission.admit(info, value);
    return encodeToPayload(converter, admitted.value);
  };
}

/** Microseconds per attempt over `n` attempts. */
async function timePerAttempt(attempt: (value: unknown) => Promise<unknown>, value: unknown, n: number) {
  const started = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await attempt(value);
  return Number(process.hrtime.bigint() - started) / 1_000 / n;
}

async function main(): Promise<void> {
  console.log(
    `result admission: ${ROUNDS} rounds × ${PER_ROUND} attempts per mode, modes rotated each round`,
  );
  console.log('result  codec    mode           µs/attempt (median)  extra µs  ratio to baseline');
  for (const codec of [false, true]) {
    const converter: LoadedDataConverter = {
      ...defaultDataConverter,
      payloadCodecs: codec ? [deflating] : [],
    };
    for (const [name, value] of Object.entries(RESULTS)) {
      const attempts = new Map(MODES.map((m) => [m, attemptOf(m, converter)]));
      for (const attempt of attempts.values()) await timePerAttempt(attempt, value, PER_ROUND);
      const times = new Map<Mode, number[]>(MODES.map((m) => [m, []]));
      for (let round = 0; round < ROUNDS; round++) {
        for (let k = 0; k < MODES.length; k++) {
          const mode = MODES[(round + k) % MODES.length]!;
          times.get(mode)!.push(await timePerAttempt(attempts.get(mode)!, value, PER_ROUND));
        }
      }
      const median = (mode: Mode) => percentile(times.get(mode)!, 50);
      const base = median('baseline');
      for (const mode of MODES) {
        const m = median(mode);
        console.log(
          `${name.padEnd(7)} ${(codec ? 'deflate' : 'none').padEnd(8)} ${mode.padEnd(14)} ${m.toFixed(2).padStart(19)}  ${(m - base).toFixed(2).padStart(8)}  x ${(m / base).toFixed(3)}`,
        );
      }
    }
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});

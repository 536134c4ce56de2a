import { isAbsolute, resolve } from 'node:path';
import type { Client } from '@temporalio/client';
import {
  defaultPayloadConverter,
  type DataConverter,
  type Payload,
  type PayloadCodec,
  type PayloadConverter,
} from '@temporalio/common';
import { TAG, encodeValue, isLossyKind, type EncodedValue } from '../artifacts/encode';
import { LineageOptionsError, RerunConverterError } from '../errors';
import type { RunRow } from '../query/rows';

/** The payload converter of a data converter: the module at its path, or Temporal's default. */
function payloadConverterOf(dataConverter: DataConverter): PayloadConverter {
  if (!dataConverter.payloadConverterPath) return defaultPayloadConverter;
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the path names a module chosen at run time, as the Worker's option does
  const loaded = require(dataConverter.payloadConverterPath) as { payloadConverter?: PayloadConverter };
  if (!loaded.payloadConverter) {
    throw new LineageOptionsError('data converter', [
      `payloadConverterPath: ${dataConverter.payloadConverterPath} exports no payloadConverter`,
    ]);
  }
  return loaded.payloadConverter;
}

/**
 * The data converter in a module given on the command line (`--converter <module>`): the module
 * exports `payloadConverter` (what a Worker's `payloadConverterPath` names) and optionally
 * `payloadCodecs`, or exports a whole `dataConverter`.
 */
export function dataConverterFromModule(path: string, cwd: string): DataConverter {
  const file = isAbsolute(path) ? path : resolve(cwd, path);
  let loaded: { payloadConverter?: unknown; payloadCodecs?: unknown; dataConverter?: unknown };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the module is the user's, named at run time
    loaded = require(file) as typeof loaded;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new LineageOptionsError('--converter', [`cannot load ${file}: ${message}`], { cause: error });
  }
  if (loaded.dataConverter && typeof loaded.dataConverter === 'object') return loaded.dataConverter;
  if (!loaded.payloadConverter) {
    throw new LineageOptionsError('--converter', [
      `${file} exports neither payloadConverter nor dataConverter`,
    ]);
  }
  return {
    payloadConverterPath: require.resolve(file),
    ...(Array.isArray(loaded.payloadCodecs) ? { payloadCodecs: loaded.payloadCodecs as PayloadCodec[] } : {}),
  };
}

const decoder = new TextDecoder();

function encodingOf(payload: Payload): string {
  const encoding = payload.metadata?.['encoding'];
  return encoding ? decoder.decode(encoding) : '(none)';
}

/** Whether `fresh` is the recorded value, a lossy marker (a redacted place) matching anything. */
function sameAsRecorded(recorded: EncodedValue, fresh: EncodedValue): boolean {
  if (recorded !== null && typeof recorded === 'object' && !Array.isArray(recorded)) {
    const kind = recorded[TAG];
    if (typeof kind === 'string' && isLossyKind(kind)) return true;
  }
  if (Array.isArray(recorded))
    return (
      Array.isArray(fresh) &&
      fresh.length === recorded.length &&
      recorded.every((item, i) => sameAsRecorded(item, fresh[i]!))
    );
  if (recorded !== null && typeof recorded === 'object') {
    if (fresh === null || typeof fresh !== 'object' || Array.isArray(fresh)) return false;
    const keys = Object.keys(recorded);
    return (
      keys.length === Object.keys(fresh).length &&
      keys.every((key) => Object.hasOwn(fresh, key) && sameAsRecorded(recorded[key]!, fresh[key]!))
    );
  }
  return recorded === fresh;
}

/** The run's start-event input as Temporal holds it; undefined when Temporal no longer has the run. */
async function startInput(
  client: Client,
  run: { workflowId: string; runId: string },
): Promise<Payload[] | undefined> {
  try {
    const page = await client.workflowService.getWorkflowExecutionHistory({
      namespace: client.options.namespace,
      execution: run,
      maximumPageSize: 1,
    });
    return page.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads ?? [];
  } catch (error) {
    // NOT_FOUND: history retention passed; the recorded values are all there is to go on.
    if ((error as { code?: unknown }).code === 5) return undefined;
    throw error;
  }
}

/**
 * Throws {@link RerunConverterError} unless `dataConverter` reads each of the original run's
 * input payloads (as Temporal holds them) to the value the recording Worker saw, as recorded:
 * a converter that cannot read the encoding would fail every workflow task of the rerun, and one
 * that reads it differently would rerun on other input.
 */
export async function assertConverterReadsRun(
  client: Client,
  dataConverter: DataConverter,
  original: RunRow & { workflowId: string; runId: string },
): Promise<void> {
  const payloads = await startInput(client, original);
  if (!payloads) return;
  const converter = payloadConverterOf(dataConverter);
  const codecs = dataConverter.payloadCodecs ?? [];
  const target = `run ${original.name}`;
  const recorded = Array.isArray(original.args) ? (original.args as EncodedValue[]) : undefined;
  for (const [i, payload] of payloads.entries()) {
    const input = `args[${i}]`;
    let decoded = [payload];
    let value: unknown;
    try {
      // Codecs apply in order when encoding, so they are undone in reverse.
      for (const codec of [...codecs].reverse()) decoded = await codec.decode(decoded);
      value = converter.fromPayload(decoded[0]!);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      throw new RerunConverterError(
        target,
        input,
        encodingOf(decoded[0] ?? payload),
        `the rerun's data converter cannot read it (${message})`,
        {
          cause: error,
        },
      );
    }
    const expected = recorded?.[i];
    if (expected === undefined) continue;
    const fresh = encodeValue(value);
    if (!sameAsRecorded(expected, fresh)) {
      throw new RerunConverterError(
        target,
        input,
        encodingOf(decoded[0]!),
        `the rerun's data converter reads it as ${preview(fresh)}, but the recording Worker saw ${preview(expected)}`,
      );
    }
  }
}

function preview(value: EncodedValue): string {
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 119)}…` : text;
}

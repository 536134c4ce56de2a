import type { ZodError } from 'zod';

/**
 * Base class of every error temporal-lineage throws on purpose. Catch this to tell lineage
 * problems apart from the user's own errors; each subclass carries typed readonly fields, so
 * callers branch on data rather than on message text.
 */
export class LineageError extends Error {
  override readonly name: string = 'LineageError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Options given to {@link LineagePlugin} or {@link openStore} did not validate. */
export class LineageOptionsError extends LineageError {
  override readonly name = 'LineageOptionsError';
  /** Each problem as `path: message`, e.g. `maxInlineBytes: Too small: expected number to be >0`. */
  readonly issues: readonly string[];
  constructor(what: string, issues: readonly string[], options?: { cause?: unknown }) {
    super(`Invalid ${what}: ${issues.join('; ')}`, options);
    this.issues = issues;
  }

  /** Wraps a ZodError so that zod's own type never leaks to users. */
  static fromZod(what: string, error: ZodError): LineageOptionsError {
    const issues = error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    return new LineageOptionsError(what, issues, { cause: error });
  }
}

/** The lineage store could not be opened, migrated or written. `target` never contains a password. */
export class LineageStoreError extends LineageError {
  override readonly name = 'LineageStoreError';
  readonly target: string;
  readonly operation: string;
  constructor(operation: string, target: string, options?: { cause?: unknown }) {
    const cause = options?.cause instanceof Error ? `: ${options.cause.message}` : '';
    super(`Lineage store ${operation} failed for ${target}${cause}`, options);
    this.operation = operation;
    this.target = target;
  }
}

/**
 * An embedded (PGlite) store folder is held by a live process that does not serve it to others:
 * the first opener of a folder serves it on a socket inside it, and later openers connect there;
 * this one waited for that socket and it never answered (the holder is stuck opening the store, or
 * is a version of temporal-lineage that does not serve it).
 */
export class LineageStoreInUseError extends LineageError {
  override readonly name = 'LineageStoreInUseError';
  readonly dir: string;
  /** The process that has it open (`pid` 0 when its lock file could not be read). */
  readonly holder: { readonly pid: number; readonly host: string };
  readonly lockFile: string;
  constructor(dir: string, holder: { pid: number; host: string }, lockFile: string) {
    const where =
      holder.pid === process.pid
        ? 'this process'
        : `process ${holder.pid} on ${holder.host || 'an unknown host'}`;
    super(
      `the embedded store ${dir} is open in ${where}, which did not serve it to this process in time: ` +
        `wait for it to finish opening the store, or close it there ` +
        `(if that process is gone, delete ${lockFile})`,
    );
    this.dir = dir;
    this.holder = holder;
    this.lockFile = lockFile;
  }
}

/** A lookup named something the store does not hold (a run, an execution, an artifact). */
export class LineageNotFoundError extends LineageError {
  override readonly name = 'LineageNotFoundError';
  readonly kind: string;
  readonly key: string;
  /** The closest keys the store does hold, best first (may be empty). */
  readonly suggestions: readonly string[];
  constructor(kind: string, key: string, suggestions: readonly string[] = []) {
    const hint =
      suggestions.length > 0 ? `; did you mean ${suggestions.map((s) => `'${s}'`).join(' or ')}?` : '';
    super(`No ${kind} matches '${key}'${hint}`);
    this.kind = kind;
    this.key = key;
    this.suggestions = suggestions;
  }
}

/** A prefix matched more than one run (or other keyed thing); `candidates` lists them. */
export class LineageAmbiguousError extends LineageError {
  override readonly name = 'LineageAmbiguousError';
  readonly kind: string;
  readonly key: string;
  /** Keys the prefix matched, newest first; at most a screenful of them (see `total`). */
  readonly candidates: readonly string[];
  /** How many keys the prefix matched in all. */
  readonly total: number;
  constructor(kind: string, key: string, candidates: readonly string[], total = candidates.length) {
    const more = total > candidates.length ? ', …' : '';
    super(`'${key}' matches ${total} ${kind}s: ${candidates.join(', ')}${more}`);
    this.kind = kind;
    this.key = key;
    this.candidates = candidates;
    this.total = total;
  }
}

/** A `--where` artifact filter that does not parse, or does not fit the field it names. */
export class LineageFilterError extends LineageError {
  override readonly name = 'LineageFilterError';
  /** The filter as given. */
  readonly filter: string;
  /** 1-based column of the filter text where the mistake is. */
  readonly position: number;
  /** What the filter should have had there, e.g. `one of =, !=, >, >=, <, <=`. */
  readonly expected: string;
  constructor(filter: string, position: number, problem: string, expected: string) {
    super(`--where '${filter}': ${problem} at column ${position}; expected ${expected}`);
    this.filter = filter;
    this.position = position;
    this.expected = expected;
  }
}

/** The store holds no lineage yet (or, for an embedded store, its folder does not exist). */
export class LineageEmptyStoreError extends LineageError {
  override readonly name = 'LineageEmptyStoreError';
  /** Where the store is, safe to print. */
  readonly target: string;
  constructor(target: string) {
    super(
      `Nothing is recorded in the lineage store at ${target}.\n` +
        `To record, add the plugin to the Worker that runs your workflows, then run one:\n` +
        `  import { LineagePlugin } from 'temporal-lineage';\n` +
        `  const worker = await Worker.create({ ..., plugins: [new LineagePlugin()] });\n` +
        `new LineagePlugin() records into the folder .lineage in the Worker's working directory, ` +
        `new LineagePlugin({ databaseUrl }) into Postgres; ` +
        `point this command at the same store with --db <url|dir> (or DATABASE_URL).`,
    );
    this.target = target;
  }
}

/** A rerun could not start, or its outcome could not be established; subclasses say why. */
export class LineageRerunError extends LineageError {
  override readonly name: string = 'LineageRerunError';
}

/** A recorded input cannot be turned back into the value the activity or workflow saw. */
export class RerunInputNotReplayableError extends LineageRerunError {
  override readonly name = 'RerunInputNotReplayableError';
  /** What was to be rerun: `execution 42` or `run wf/run`. */
  readonly target: string;
  /** The input's path, e.g. `args[1]`. */
  readonly input: string;
  readonly reason: string;
  constructor(target: string, input: string, reason: string) {
    super(`Cannot rerun ${target}: input ${input} ${reason}`);
    this.target = target;
    this.input = input;
    this.reason = reason;
  }
}

/** A `--set path=value` override names a path that the recorded input does not have. */
export class RerunOverrideError extends LineageRerunError {
  override readonly name = 'RerunOverrideError';
  readonly path: string;
  readonly reason: string;
  constructor(path: string, reason: string) {
    super(`Cannot override ${path}: ${reason}`);
    this.path = path;
    this.reason = reason;
  }
}

/** No worker polls the task queue the rerun would run on, so it would wait forever. */
export class RerunNoWorkerError extends LineageRerunError {
  override readonly name = 'RerunNoWorkerError';
  readonly taskQueue: string;
  readonly taskQueueType: 'workflow' | 'activity';
  constructor(taskQueue: string, taskQueueType: 'workflow' | 'activity') {
    super(
      `No worker is polling task queue '${taskQueue}' for ${taskQueueType} tasks; start the worker ` +
        `that ran the original (with LineagePlugin) and try again`,
    );
    this.taskQueue = taskQueue;
    this.taskQueueType = taskQueueType;
  }
}

/** The run to rerun is still running: its recorded outputs are not final. */
export class RerunOriginalRunningError extends LineageRerunError {
  override readonly name = 'RerunOriginalRunningError';
  /** `workflowId/runId` of the original run. */
  readonly run: string;
  constructor(run: string) {
    super(`Run ${run} is still running; rerun it once it has finished`);
    this.run = run;
  }
}

/** The workers polling the original task queue do not register the activity type. */
export class RerunActivityNotRegisteredError extends LineageRerunError {
  override readonly name = 'RerunActivityNotRegisteredError';
  readonly activityType: string;
  readonly taskQueue: string;
  constructor(activityType: string, taskQueue: string, detail: string) {
    super(`The worker on task queue '${taskQueue}' has no activity '${activityType}': ${detail}`);
    this.activityType = activityType;
    this.taskQueue = taskQueue;
  }
}

/** `--from` names no execution or activity type of the original run or its child runs. */
export class RerunStepNotFoundError extends LineageRerunError {
  override readonly name = 'RerunStepNotFoundError';
  readonly run: string;
  readonly step: string;
  /** The activity types the original run tree does have. */
  readonly available: readonly string[];
  constructor(run: string, step: string, available: readonly string[]) {
    super(
      `Run ${run} has no step '${step}' (an activity type or execution id of it or its child runs); ` +
        `its activity types: ${available.join(', ') || 'none'}`,
    );
    this.run = run;
    this.step = step;
    this.available = available;
  }
}

/** The rerun started but did not give a recorded outcome. */
export class RerunFailedError extends LineageRerunError {
  override readonly name = 'RerunFailedError';
  /** The rerun's workflow execution. */
  readonly workflowId: string;
  readonly runId: string;
  /** `failed`: it ran and failed; `timed-out`: no worker took it in time; `not-recorded`: it ran but the store has no record of it. */
  readonly reason: 'failed' | 'timed-out' | 'not-recorded';
  constructor(
    workflowId: string,
    runId: string,
    reason: 'failed' | 'timed-out' | 'not-recorded',
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`Rerun ${workflowId}/${runId} ${reason}: ${detail}`, options);
    this.workflowId = workflowId;
    this.runId = runId;
    this.reason = reason;
  }
}

/**
 * The data converter the rerun would use cannot read a recorded input's payload, or reads it as
 * a different value than the recording Worker saw: the rerun would fail or run on wrong input.
 */
export class RerunConverterError extends LineageRerunError {
  override readonly name = 'RerunConverterError';
  /** What was to be rerun: `run wf/run`. */
  readonly target: string;
  /** The input's path, e.g. `args[0]`. */
  readonly input: string;
  /** The payload's `encoding` metadata as Temporal holds it, e.g. `json/ejson`. */
  readonly encoding: string;
  readonly reason: string;
  constructor(
    target: string,
    input: string,
    encoding: string,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(
      `Cannot rerun ${target}: input ${input} was recorded with payload encoding '${encoding}', and ${reason}; ` +
        `rerun with the recording Worker's data converter: --converter <module> (a module exporting ` +
        `payloadConverter, as the Worker's payloadConverterPath does, and payloadCodecs if it uses codecs), ` +
        `or the dataConverter option of the API`,
      options,
    );
    this.target = target;
    this.input = input;
    this.encoding = encoding;
    this.reason = reason;
  }
}

/** Replaces the password of a connection URL so that it can be shown in logs and errors. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
  }
}

import { readFile } from 'node:fs/promises';
import type { CompiledWorkerOptions } from '@temporalio/worker';
import { draftArtifact, type CapturedArtifact, type CaptureSettings } from '../artifacts/capture';
import { sha256Hex } from '../artifacts/digest';
import { CODE_PATH, CODE_TYPE, ENVIRONMENT_PATH, ENVIRONMENT_TYPE } from '../artifacts/tracked-paths';
import type { WorkerFacts } from './worker-facts';

/** What a `Code` artifact holds: the identity of the code that ran one activity type on one Worker. */
export interface CodeIdentity {
  readonly activityType: string;
  /** `sha256:` of the activity function's source (`fn.toString()`); null when the Worker did not register it by that name. */
  readonly function: string | null;
  /** `sha256:` of the Worker's workflow bundle; null when the Worker has none or it is not known. */
  readonly workflowBundle: string | null;
  readonly git: WorkerFacts['git'];
  readonly package: WorkerFacts['package'];
}

/** The Worker's default build id ends in `+<sha256 of the workflow bundle>` (set by the SDK when none is given). */
const BUILD_ID_BUNDLE = /\+([0-9a-f]{64})$/;

/** The digest of a Worker's workflow bundle, from its compiled options; null when there is none. */
export async function workflowBundleDigest(options: CompiledWorkerOptions): Promise<string | null> {
  const bundle = options.workflowBundle;
  if (bundle && 'code' in bundle) return `sha256:${sha256Hex(bundle.code)}`;
  if (bundle && 'codePath' in bundle) {
    const code = await readFile(bundle.codePath).catch(() => undefined);
    if (code) return `sha256:${sha256Hex(code)}`;
  }
  const fromBuildId = BUILD_ID_BUNDLE.exec(options.buildId ?? '');
  return fromBuildId ? `sha256:${fromBuildId[1]}` : null;
}

/** `sha256:` of each activity function's source, by activity type (its name in the Worker's `activities`). */
export function activityDigests(activities: object | undefined): Map<string, string> {
  const digests = new Map<string, string>();
  for (const [name, fn] of Object.entries(activities ?? {})) {
    if (typeof fn === 'function')
      digests.set(name, `sha256:${sha256Hex(Function.prototype.toString.call(fn))}`);
  }
  return digests;
}

/**
 * The `$code` and `$environment` inputs of every execution. Digests are computed once — activity
 * sources when the Worker is configured, the bundle and the facts when it starts — and each
 * activity type's pair of artifacts is drafted once: an attempt only adds two references to
 * artifacts the store already holds (the writer sends a known artifact by id).
 */
export class CodeTracking {
  private readonly functions = new Map<string, string>();
  private bundle: string | null = null;
  private facts: WorkerFacts | undefined;
  private environment: CapturedArtifact | undefined;
  private readonly drafted = new Map<string, readonly CapturedArtifact[]>();
  private draftedFor: CaptureSettings | undefined;

  /** Records the source digests of a Worker's activities. */
  addActivities(activities: object | undefined): void {
    for (const [name, digest] of activityDigests(activities)) this.functions.set(name, digest);
    this.drafted.clear();
  }

  /** Records what the Worker starts with: its bundle digest and the facts of its process. */
  started(bundleDigest: string | null, facts: WorkerFacts): void {
    this.bundle = bundleDigest;
    this.facts = facts;
    this.environment = undefined;
    this.drafted.clear();
  }

  /** The identity of the code that runs `activityType`, once the Worker has started. */
  codeOf(activityType: string): CodeIdentity | undefined {
    if (!this.facts) return undefined;
    return {
      activityType,
      function: this.functions.get(activityType) ?? null,
      workflowBundle: this.bundle,
      git: this.facts.git,
      package: this.facts.package,
    };
  }

  /** The tracked inputs of an attempt of `activityType`; none before the Worker has started. */
  inputsFor(activityType: string, settings: CaptureSettings): readonly CapturedArtifact[] {
    const facts = this.facts;
    if (!facts) return [];
    // Settings change only while Workers are configured (digest-only mode): drafts follow them.
    if (settings !== this.draftedFor) {
      this.drafted.clear();
      this.environment = undefined;
      this.draftedFor = settings;
    }
    let inputs = this.drafted.get(activityType);
    if (!inputs) {
      this.environment ??= draftArtifact(ENVIRONMENT_PATH, ENVIRONMENT_TYPE, facts.environment, settings);
      const code = draftArtifact(CODE_PATH, CODE_TYPE, this.codeOf(activityType), settings);
      inputs = [code, this.environment];
      this.drafted.set(activityType, inputs);
    }
    return inputs;
  }
}

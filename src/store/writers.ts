import type { LineageStore } from './open-store';
import { AttemptWriter } from './write-attempts';
import { ContextWriter } from './write-contexts';
import { RunWriter } from './write-runs';

/** The store's writers, sharing one cache of context ids. */
export interface StoreWriters {
  readonly attempts: AttemptWriter;
  readonly runs: RunWriter;
}

/** `lingerMs` is set for `commit: 'batched'`: attempt and run writes then wait that long to share a statement. */
export function createWriters(store: LineageStore, lingerMs?: number): StoreWriters {
  const contexts = new ContextWriter(store);
  return {
    attempts: new AttemptWriter(store, contexts, lingerMs),
    runs: new RunWriter(store, contexts, lingerMs),
  };
}

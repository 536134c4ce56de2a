import { machineBusyMs, mainThreadCpuMs, selfCpuMs, treeCpuMs } from './process-cpu';

/** CPU ms used by each process the capture bench involves; undefined where /proc cannot tell. */
export interface CpuSample {
  worker: number;
  /** The part of `worker` spent on the main JavaScript thread. */
  mainThread: number | undefined;
  temporal: number | undefined;
  postgres: number | undefined;
  machine: number | undefined;
}

/** Where the processes whose CPU the bench accounts for are. */
export interface Pids {
  temporal: number | undefined;
  postgres: number | undefined;
}

export function cpuNow(pids: Pids): CpuSample {
  return {
    worker: selfCpuMs(),
    mainThread: mainThreadCpuMs(),
    temporal: treeCpuMs(pids.temporal),
    postgres: treeCpuMs(pids.postgres),
    machine: machineBusyMs(),
  };
}

export function cpuSince(start: CpuSample, pids: Pids): CpuSample {
  const end = cpuNow(pids);
  const minus = (a: number | undefined, b: number | undefined) =>
    a === undefined || b === undefined ? undefined : a - b;
  return {
    worker: end.worker - start.worker,
    mainThread: minus(end.mainThread, start.mainThread),
    temporal: minus(end.temporal, start.temporal),
    postgres: minus(end.postgres, start.postgres),
    machine: minus(end.machine, start.machine),
  };
}

/** CPU ms per activity over a set of batches, by process; `other` is the rest of the machine. */
export function cpuPerActivity(batches: ReadonlyArray<{ activities: number; cpu: CpuSample }>) {
  const activities = batches.reduce((n, b) => n + b.activities, 0);
  const per = (pick: (cpu: CpuSample) => number | undefined) => {
    const values = batches.map((b) => pick(b.cpu));
    return values.some((v) => v === undefined)
      ? undefined
      : values.reduce((a: number, v) => a + v!, 0) / activities;
  };
  const [worker, mainThread, temporal, postgres, machine] = [
    per((c) => c.worker),
    per((c) => c.mainThread),
    per((c) => c.temporal),
    per((c) => c.postgres),
    per((c) => c.machine),
  ];
  const known = [worker, temporal, postgres].reduce((a: number, v) => a + (v ?? 0), 0);
  return {
    worker,
    mainThread,
    temporal,
    postgres,
    other: machine === undefined ? undefined : machine - known,
    machine,
  };
}

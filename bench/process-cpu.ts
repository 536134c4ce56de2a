import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * CPU time of the processes a bench run involves, read from Linux's /proc, so that a throughput
 * ratio can be explained: on a small machine the Worker, the Temporal server and Postgres share
 * the same cores, and whatever CPU capture costs is taken from the others. Elsewhere (no /proc)
 * every reading is undefined and the bench simply prints less.
 */

const TICK_MS = 10; // USER_HZ is 100 on every Linux the bench targets

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

function pids(): number[] {
  try {
    return readdirSync('/proc')
      .filter((name) => /^\d+$/.test(name))
      .map(Number);
  } catch {
    return [];
  }
}

/** The fields of a /proc `stat` file after the command name (which may hold spaces and parentheses). */
function statFields(path: string): string[] | undefined {
  const text = readText(path);
  return text === undefined ? undefined : text.slice(text.lastIndexOf(')') + 2).split(' ');
}

/** CPU ms from `stat` fields: utime and stime, plus those of reaped children when asked. */
function cpuMsOf(fields: string[], withChildren: boolean): number {
  const ticks = (withChildren ? [11, 12, 13, 14] : [11, 12]).reduce((sum, i) => sum + Number(fields[i]), 0);
  return ticks * TICK_MS;
}

/** utime + stime (plus that of reaped children) and the parent of a process. */
function stat(pid: number): { cpuMs: number; ppid: number } | undefined {
  const fields = statFields(`/proc/${pid}/stat`);
  return fields && { ppid: Number(fields[1]), cpuMs: cpuMsOf(fields, true) };
}

function cmdline(pid: number): string[] {
  return (readText(`/proc/${pid}/cmdline`) ?? '').split('\0').filter(Boolean);
}

/** The `temporal server start-dev` process listening on `port`. */
export function findTemporalServer(port: string): number | undefined {
  return pids().find((pid) => {
    const argv = cmdline(pid);
    const at = argv.indexOf('--port');
    return argv.includes('start-dev') && at >= 0 && argv[at + 1] === port;
  });
}

/** The postmaster of a local cluster serving `port` (its data dir's postmaster.pid names the port). */
export function findPostmaster(port: string): number | undefined {
  return pids().find((pid) => {
    const argv = cmdline(pid);
    const at = argv.indexOf('-D');
    if (!argv[0]?.endsWith('postgres') || at < 0 || !argv[at + 1]) return false;
    const lock = readText(join(argv[at + 1]!, 'postmaster.pid'))?.split('\n');
    return lock?.[0] === String(pid) && lock[3]?.trim() === port;
  });
}

/** CPU ms of a process and all its children (a postmaster's backends). */
export function treeCpuMs(root: number | undefined): number | undefined {
  if (root === undefined) return undefined;
  const own = stat(root);
  if (!own) return undefined;
  return pids().reduce(
    (sum, pid) => (pid !== root && stat(pid)?.ppid === root ? sum + stat(pid)!.cpuMs : sum),
    own.cpuMs,
  );
}

/** Busy CPU ms of the whole machine (all cores), from /proc/stat. */
export function machineBusyMs(): number | undefined {
  const line = readText('/proc/stat')?.split('\n')[0];
  if (!line?.startsWith('cpu ')) return undefined;
  // Steal is time the hypervisor gave to other guests: not work done on this machine.
  const [user, nice, system, , , irq, softirq] = line.trim().split(/\s+/).slice(1).map(Number);
  return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) * TICK_MS;
}

/**
 * CPU ms of the bench's main thread alone (where activities and the plugin's JavaScript run);
 * the rest of the process is Temporal's core, the workflow threads and V8's helper threads.
 */
export function mainThreadCpuMs(): number | undefined {
  const fields = statFields(`/proc/self/task/${process.pid}/stat`);
  return fields && cpuMsOf(fields, false);
}

/** The bench's own process, in ms. */
export function selfCpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

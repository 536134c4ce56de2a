import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { inject } from 'vitest';
import { bundlePath } from './bundle';
import type { WorkerProcessConfig } from './worker-process';

const SCRIPT = join(__dirname, 'worker-process.ts');
const READY_TIMEOUT_MS = 60_000;

/** A worker running in a child process. */
export interface WorkerProcess {
  readonly pid: number;
  /** Everything it logged so far (stderr: one JSON line per entry) and printed (stdout). */
  output(): string;
  /** SIGKILL: no shutdown, no final writes — as when a machine dies. */
  kill(): Promise<void>;
  /** SIGTERM: Temporal's graceful shutdown; resolves with the exit code. */
  stop(): Promise<number | null>;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/**
 * Starts a worker process with the plugin options given and resolves once it runs (`env` is added
 * to this process's environment).
 */
export async function spawnWorker(
  config: Omit<WorkerProcessConfig, 'address' | 'bundlePath'>,
  env: Record<string, string> = {},
): Promise<WorkerProcess> {
  const full: WorkerProcessConfig = {
    ...config,
    address: inject('temporalAddress'),
    bundlePath: await bundlePath(),
  };
  const child = spawn(process.execPath, ['--require', 'tsx/cjs', SCRIPT, JSON.stringify(full)], {
    cwd: join(__dirname, '..', '..', '..'),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`worker process not ready after ${READY_TIMEOUT_MS} ms:\n${output}`));
    }, READY_TIMEOUT_MS);
    const onData = () => {
      if (!output.includes('READY')) return;
      clearTimeout(timer);
      child.stdout.off('data', onData);
      resolve();
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`worker process exited (${code}) before it was ready:\n${output}`));
    });
  });
  return {
    pid: child.pid!,
    output: () => output,
    kill: async () => {
      child.kill('SIGKILL');
      await exited(child);
    },
    stop: async () => {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      try {
        return await exited(child);
      } finally {
        clearTimeout(timer);
      }
    },
  };
}

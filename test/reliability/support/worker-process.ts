/**
 * A worker in a process of its own, so that tests can SIGKILL it mid-activity, run several at
 * once on one database, and read exactly what it logs. Run with tsx:
 *   node --require tsx/cjs worker-process.ts '<WorkerProcessConfig as JSON>'
 * Prints `READY` on stdout once polling; every log entry goes to stderr as one JSON line.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { LineagePlugin } from '../../../src/plugin';
import type { LineagePluginOptions } from '../../../src/options';
import { reliabilityActivities } from './activities';

export interface WorkerProcessConfig {
  readonly address: string;
  readonly taskQueue: string;
  readonly bundlePath: string;
  readonly plugin: LineagePluginOptions;
  readonly identity?: string;
  readonly maxCachedWorkflows?: number;
  /** Log level; WARN unless given. */
  readonly logLevel?: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
}

async function main(): Promise<void> {
  const config = JSON.parse(process.argv[2] ?? '{}') as WorkerProcessConfig;
  Runtime.install({
    logger: new DefaultLogger(config.logLevel ?? 'WARN', (entry) => {
      process.stderr.write(
        `${JSON.stringify({ level: entry.level, message: entry.message, meta: entry.meta })}\n`,
      );
    }),
  });
  const connection = await NativeConnection.connect({ address: config.address });
  const worker = await Worker.create({
    connection,
    taskQueue: config.taskQueue,
    workflowBundle: { codePath: config.bundlePath },
    activities: reliabilityActivities().activities,
    plugins: [new LineagePlugin(config.plugin)],
    // A killed worker's sticky queue holds its workflows' next tasks until this passes.
    stickyQueueScheduleToStartTimeout: '1 second',
    shutdownGraceTime: '1 second',
    ...(config.identity ? { identity: config.identity } : {}),
    ...(config.maxCachedWorkflows !== undefined ? { maxCachedWorkflows: config.maxCachedWorkflows } : {}),
  });
  const running = worker.run();
  process.stdout.write('READY\n');
  await running;
  await connection.close();
}

main().catch((error: unknown) => {
  process.stderr.write(`${JSON.stringify({ level: 'FATAL', message: String(error) })}\n`);
  process.exit(1);
});

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { installUserProject, packedFiles, packPackage, run } from './user-project';

// What a user writes: two activities returning typed artifacts, a workflow, and a Worker with the plugin.
const ACTIVITIES = `
export async function prepare(rows: number): Promise<{ kind: 'Dataset'; uri: string; rows: number }> {
  return { kind: 'Dataset', uri: 'memory://iris/train', rows };
}

export async function train(
  data: { kind: 'Dataset'; uri: string; rows: number },
  params: { depth: number },
): Promise<{ kind: 'Model'; uri: string; depth: number }> {
  return { kind: 'Model', uri: \`memory://models/\${data.rows}-\${params.depth}\`, depth: params.depth };
}
`;

const WORKFLOWS = `
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities';

const { prepare, train } = proxyActivities<typeof activities>({ startToCloseTimeout: '1 minute' });

export async function pipeline(rows: number): Promise<string> {
  const data = await prepare(rows);
  const model = await train(data, { depth: 3 });
  return model.uri;
}
`;

const WORKER = `
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { LineagePlugin } from 'temporal-lineage';
import type { runCliProcess } from 'temporal-lineage/cli';
import * as activities from './activities';

// The CLI entry point's declarations resolve too.
export type CliEntry = typeof runCliProcess;

async function main(): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS ?? 'localhost:7233';
  const taskQueue = process.env.TASK_QUEUE ?? 'ml';
  const connection = await NativeConnection.connect({ address });
  const client = new Client({ connection: await Connection.connect({ address }) });
  try {
    const worker = await Worker.create({
      connection,
      taskQueue,
      workflowsPath: require.resolve('./workflows'),
      activities,
      plugins: [new LineagePlugin()],
    });
    const result = await worker.runUntil(
      client.workflow.execute('pipeline', { taskQueue, workflowId: 'packaging-' + taskQueue, args: [150] }),
    );
    console.log(JSON.stringify({ result }));
  } finally {
    await client.connection.close();
    await connection.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
`;

const TSCONFIG = {
  compilerOptions: {
    target: 'ES2022',
    module: 'node16',
    moduleResolution: 'node16',
    strict: true,
    skipLibCheck: true,
    types: ['node'],
    outDir: 'lib',
    rootDir: 'src',
  },
  include: ['src'],
};

describe('the packed package in a user project', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'lineage-packaging-'));
  // The installed project holds Temporal's native bridge and PGlite: removing it can take a minute on a busy disk.
  afterAll(() => rm(workDir, { recursive: true, force: true }), 600_000);

  it('installs offline, compiles a TypeScript Worker, records a workflow, and `npx lineage runs` shows it', async () => {
    const tarball = await packPackage(workDir);

    const files = await packedFiles(tarball, workDir);
    for (const expected of [
      'package.json',
      'README.md',
      'LICENSE',
      'bin/lineage.js',
      'dist/src/index.js',
      'dist/src/index.d.ts',
      'dist/src/cli/main.js',
      'dist/src/capture/workflow-interceptors.js',
      'drizzle/meta/_journal.json',
      'src/ui/public/index.html',
    ]) {
      expect(files).toContain(expected);
    }
    const unshipped = files.filter(
      (file) =>
        /^(test|bench|scripts|dev|workflows|activities)\//.test(file) ||
        /\.ts$/.test(file.replace(/\.d\.ts$/, '')),
    );
    expect(unshipped).toEqual([]);

    const project = join(workDir, 'project');
    mkdirSync(join(project, 'src'), { recursive: true });
    await installUserProject(project, tarball);

    writeFileSync(join(project, 'src', 'activities.ts'), ACTIVITIES);
    writeFileSync(join(project, 'src', 'workflows.ts'), WORKFLOWS);
    writeFileSync(join(project, 'src', 'worker.ts'), WORKER);
    writeFileSync(join(project, 'tsconfig.json'), JSON.stringify(TSCONFIG, null, 2));
    await run(process.execPath, [join('node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], {
      cwd: project,
    });

    const taskQueue = `packaging-${process.pid}-${Date.now()}`;
    const worker = await run(process.execPath, [join('lib', 'worker.js')], {
      cwd: project,
      env: { TEMPORAL_ADDRESS: inject('temporalAddress'), TASK_QUEUE: taskQueue },
    });
    expect(JSON.parse(worker.stdout.trim().split('\n').pop()!)).toEqual({
      result: 'memory://models/150-3',
    });

    const runs = await run('npx', ['--no', 'lineage', 'runs', '--json'], { cwd: project });
    const { runs: listed } = JSON.parse(runs.stdout) as {
      runs: { workflowId: string; workflowType: string; status: string }[];
    };
    expect(
      listed.map(({ workflowId, workflowType, status }) => ({ workflowId, workflowType, status })),
    ).toEqual([{ workflowId: `packaging-${taskQueue}`, workflowType: 'pipeline', status: 'COMPLETED' }]);

    const shown = await run('npx', ['--no', 'lineage', 'show', `packaging-${taskQueue}`, '--json'], {
      cwd: project,
    });
    const { executions } = JSON.parse(shown.stdout) as {
      executions: { activityType: string; state: string; outputs: { artifact: { type: string } }[] }[];
    };
    expect(
      executions.map((e) => ({
        type: e.activityType,
        state: e.state,
        out: e.outputs.map((o) => o.artifact.type),
      })),
    ).toEqual([
      { type: 'prepare', state: 'COMPLETE', out: ['Dataset'] },
      { type: 'train', state: 'COMPLETE', out: ['Model'] },
    ]);
  }, 1_200_000);
});

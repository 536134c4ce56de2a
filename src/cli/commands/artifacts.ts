import type { Command } from 'commander';
import { findArtifacts, type ArtifactQuery } from '../../query/artifacts';
import { numericFields, previewValue } from '../../query/preview';
import { wholeNumber, type CliContext } from '../context';
import { artifactSummaryJson } from '../json';
import { formatTime, shortDigest } from '../output';

interface ArtifactsOptions {
  type?: string;
  uri?: string;
  digest?: string;
  limit: number;
  cursor?: string;
}

/** `lineage artifacts`: recorded artifacts, newest first, with how many executions wrote and read each. */
export function registerArtifacts(program: Command, ctx: CliContext): void {
  program
    .command('artifacts')
    .description('list artifacts, newest first, with their producer (W) and consumer (R) counts')
    .option('--type <type>', 'Dataset, Model, Metrics, Value or a type of your own')
    .option('--uri <prefix>', 'URIs starting with this')
    .option('--digest <digest>', 'content digest, whole or a prefix of 6+ hex digits')
    .option('--limit <n>', 'artifacts per page', wholeNumber('--limit'), 20)
    .option('--cursor <cursor>', 'the next page, as printed by the previous one')
    .action(async (options: ArtifactsOptions, command: Command) => {
      await ctx.withStore(command, async (store, out) => {
        const query: ArtifactQuery = {
          limit: options.limit,
          ...(options.type ? { type: options.type } : {}),
          ...(options.uri ? { uriPrefix: options.uri } : {}),
          ...(options.digest ? { digest: options.digest } : {}),
          ...(options.cursor ? { cursor: options.cursor } : {}),
        };
        const { artifacts, nextCursor } = await findArtifacts(store, query);
        if (out.json) return out.data({ artifacts: artifacts.map(artifactSummaryJson), nextCursor });
        if (artifacts.length === 0) return out.note('No artifacts match.');
        out.table(
          ['ID', 'TYPE', 'URI / VALUE', 'DIGEST', 'W', 'R', 'RECORDED'],
          artifacts.map((a) => [
            `a${a.id}`,
            out.c.cyan(a.type),
            a.uri ??
              (a.inline ? numericFields(a.value) || previewValue(a.value, 50) : `(${a.sizeBytes} bytes)`),
            shortDigest(a.digest),
            String(a.producerCount),
            String(a.consumerCount),
            formatTime(a.createdAt),
          ]),
          ['left', 'left', 'left', 'left', 'right', 'right', 'left'],
        );
        if (nextCursor) out.note(out.c.dim(`more: lineage artifacts … --cursor ${nextCursor}`));
      });
    });
}

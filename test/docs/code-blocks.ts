import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import ts from 'typescript';

export const ROOT = join(__dirname, '..', '..');

/** One fenced TypeScript block of a Markdown page. */
export interface CodeBlock {
  /** `README.md:42`: the page and the line of the opening fence. */
  readonly where: string;
  readonly code: string;
}

/** The Markdown pages whose examples users copy: the README and every page under docs/. */
export function documentationPages(): string[] {
  const docs = readdirSync(join(ROOT, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => join(ROOT, 'docs', name));
  return [join(ROOT, 'README.md'), ...docs];
}

/** Every ```ts / ```typescript block of a page. */
export function codeBlocks(page: string, text: string = readFileSync(page, 'utf8')): CodeBlock[] {
  const blocks: CodeBlock[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (!/^```(ts|typescript)\s*$/.test(lines[i]!)) continue;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) body.push(lines[i]!);
    blocks.push({ where: `${relative(ROOT, page)}:${start + 1}`, code: body.join('\n') });
  }
  return blocks;
}

// What the examples may take as given, as a user's own project would have it: an activities module,
// a workflows module, and a few values created elsewhere in their program.
const ACTIVITIES = `export async function train(params: { seed: number }): Promise<{ kind: 'Model'; uri: string }> {
  return { kind: 'Model', uri: 'file:///tmp/model-' + params.seed + '.json' };
}
`;
const WORKFLOWS = `export async function trainingPipeline(): Promise<void> {}
`;
const GIVEN = `declare const store: import('temporal-lineage').LineageStore;
declare const client: import('@temporalio/client').Client;
declare const connection: import('@temporalio/worker').NativeConnection;
`;

/**
 * Type-checks every block as a module of its own in a user's project where `temporal-lineage` is
 * this checkout's source (a `paths` entry), under `strict`.
 *
 * @returns one message per error, `README.md:42 (block line 3): …`.
 */
export function typeCheckBlocks(blocks: readonly CodeBlock[], workDir: string): string[] {
  mkdirSync(workDir, { recursive: true });
  writeFileSync(join(workDir, 'activities.ts'), ACTIVITIES);
  writeFileSync(join(workDir, 'workflows.ts'), WORKFLOWS);
  writeFileSync(join(workDir, 'given.d.ts'), GIVEN);
  const files = new Map<string, CodeBlock>();
  blocks.forEach((block, index) => {
    const file = join(workDir, `block-${index}.ts`);
    // `export {}` makes each block a module: top-level await works and names do not collide.
    writeFileSync(file, `${block.code}\nexport {};\n`);
    files.set(file, block);
  });
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    lib: ['lib.es2024.d.ts'],
    module: ts.ModuleKind.Preserve,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    skipLibCheck: true,
    esModuleInterop: true,
    noEmit: true,
    types: ['node'],
    typeRoots: [join(ROOT, 'node_modules', '@types')],
    paths: {
      'temporal-lineage': [join(ROOT, 'src', 'index.ts')],
      'temporal-lineage/cli': [join(ROOT, 'src', 'cli', 'main.ts')],
    },
  };
  const program = ts.createProgram(
    [...files.keys(), join(workDir, 'activities.ts'), join(workDir, 'given.d.ts')],
    options,
  );
  return ts.getPreEmitDiagnostics(program).map((diagnostic) => {
    const text = ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n');
    const file = diagnostic.file;
    if (!file) return text;
    const block = files.get(file.fileName);
    const { line } = file.getLineAndCharacterOfPosition(diagnostic.start ?? 0);
    return block
      ? `${block.where} (block line ${line + 1}): ${text}`
      : `${relative(ROOT, file.fileName)}:${line + 1}: ${text}`;
  });
}

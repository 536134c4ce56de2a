import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { codeBlocks, documentationPages, ROOT, typeCheckBlocks } from './code-blocks';

describe('TypeScript examples in the README and docs/', () => {
  mkdirSync(join(ROOT, 'test-output'), { recursive: true });
  const workDir = mkdtempSync(join(ROOT, 'test-output', 'doc-blocks-'));
  afterAll(() => rmSync(workDir, { recursive: true, force: true }));

  it('finds the fenced ts blocks of a page, with the line of each', () => {
    const page = [
      '# Title',
      '```ts',
      'const a = 1;',
      '```',
      'text',
      '```sh',
      'npm test',
      '```',
      '```typescript',
      'let b;',
      '```',
    ];
    expect(codeBlocks(join(ROOT, 'README.md'), page.join('\n'))).toEqual([
      { where: 'README.md:2', code: 'const a = 1;' },
      { where: 'README.md:9', code: 'let b;' },
    ]);
  });

  it('every block compiles against the package, and a wrong one is reported where it is', () => {
    const blocks = documentationPages().flatMap((page) => codeBlocks(page));
    expect(blocks.length).toBeGreaterThan(5);
    // A block using an option the plugin does not have: proof that a wrong example cannot pass.
    const wrong = {
      where: 'wrong.md:1',
      code: "import { LineagePlugin } from 'temporal-lineage';\nnew LineagePlugin({ dataBaseUrl: 'x' });",
    };
    const errors = typeCheckBlocks([...blocks, wrong], workDir);
    expect(errors.filter((error) => !error.startsWith('wrong.md:1'))).toEqual([]);
    expect(errors).toEqual([expect.stringMatching(/^wrong\.md:1 \(block line 2\): .*dataBaseUrl/)]);
  }, 600_000);
});

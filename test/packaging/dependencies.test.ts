import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDependencies, moduleReferences } from '../../scripts/check-dependencies';

const ROOT = join(__dirname, '..', '..');

describe('runtime dependencies', () => {
  it('every package src/ imports is in dependencies, and every dependency is imported', () => {
    const { dependencies } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const report = checkDependencies(join(ROOT, 'src'), dependencies);
    expect(report.undeclared.map(({ packageName, file }) => `${packageName} (${file})`)).toEqual([]);
    expect(report.unused).toEqual([]);
  });

  it('finds imports, re-exports, require, require.resolve and import(), telling type-only ones apart', () => {
    const text = [
      "import a from 'pkg-a';",
      "import { b } from '@scope/pkg-b/sub';",
      "import type { T } from 'types-only';",
      "import { type U } from 'types-only-too';",
      "export { c } from 'pkg-c';",
      "export type { V } from 'types-only-export';",
      "const d = require('pkg-d');",
      "const e = require.resolve('pkg-e/package.json');",
      "const f = await import('pkg-f');",
      "import { g } from './local';",
      "import { h } from 'node:fs';",
    ].join('\n');
    expect(moduleReferences('x.ts', text)).toEqual([
      { specifier: 'pkg-a', typeOnly: false },
      { specifier: '@scope/pkg-b/sub', typeOnly: false },
      { specifier: 'types-only', typeOnly: true },
      { specifier: 'types-only-too', typeOnly: true },
      { specifier: 'pkg-c', typeOnly: false },
      { specifier: 'types-only-export', typeOnly: true },
      { specifier: 'pkg-d', typeOnly: false },
      { specifier: 'pkg-e/package.json', typeOnly: false },
      { specifier: 'pkg-f', typeOnly: false },
      { specifier: './local', typeOnly: false },
      { specifier: 'node:fs', typeOnly: false },
    ]);
  });

  describe('on a source tree with mistakes', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lineage-deps-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('names an undeclared package with its file, and a declared one nothing loads', () => {
      mkdirSync(join(dir, 'nested'));
      writeFileSync(join(dir, 'a.ts'), "import { z } from 'zod';\nimport fs from 'fs';\n");
      writeFileSync(
        join(dir, 'nested', 'b.ts'),
        "import { Random } from 'ml-random-forest/lib';\nimport type { Info } from '@temporalio/activity';\n",
      );
      const report = checkDependencies(dir, { zod: '^4', 'ml-matrix': '^6' });
      expect(report.undeclared).toEqual([
        { packageName: 'ml-random-forest', file: join(dir, 'nested', 'b.ts'), typeOnly: false },
        { packageName: '@temporalio/activity', file: join(dir, 'nested', 'b.ts'), typeOnly: true },
      ]);
      expect(report.unused).toEqual(['ml-matrix']);
    });
  });
});

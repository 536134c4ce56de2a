// Every package the shipped code loads must be a declared dependency, and every declared dependency
// must be loaded: otherwise an installed package fails with "Cannot find module", or hands its users
// libraries it never uses. Type-only imports count too: the shipped declarations reference them. Run: `npx tsx scripts/check-dependencies.ts`.
import { readdirSync, readFileSync } from 'node:fs';
import { isBuiltin } from 'node:module';
import { join, relative } from 'node:path';
import ts from 'typescript';

/** One import of a package, where it is. */
export interface PackageImport {
  readonly packageName: string;
  readonly file: string;
  /** Erased from the JavaScript; only the shipped declarations load it. */
  readonly typeOnly: boolean;
}

/** A module specifier a file names, and whether only its types are imported. */
export interface ModuleReference {
  readonly specifier: string;
  readonly typeOnly: boolean;
}

export interface DependencyReport {
  /** Packages the code loads that `dependencies` does not declare. */
  readonly undeclared: PackageImport[];
  /** Declared `dependencies` that no runtime import loads. */
  readonly unused: string[];
}

function packageName(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || isBuiltin(specifier)) return undefined;
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return /\.ts$/.test(entry.name) && !entry.name.endsWith('.d.ts') ? [path] : [];
  });
}

/** The module specifiers a file names: imports, re-exports, `require`, `require.resolve` and `import()`. */
export function moduleReferences(fileName: string, text: string): ModuleReference[] {
  const source = ts.createSourceFile(fileName, text, ts.ScriptTarget.Latest, true);
  const found: ModuleReference[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const typeOnly =
        clause?.isTypeOnly === true ||
        (clause !== undefined &&
          clause.name === undefined &&
          clause.namedBindings !== undefined &&
          ts.isNamedImports(clause.namedBindings) &&
          clause.namedBindings.elements.length > 0 &&
          clause.namedBindings.elements.every((element) => element.isTypeOnly));
      found.push({ specifier: node.moduleSpecifier.text, typeOnly });
    } else if (
      ts.isExportDeclaration(node) &&
      node.moduleSpecifier &&
      ts.isStringLiteral(node.moduleSpecifier)
    ) {
      found.push({ specifier: node.moduleSpecifier.text, typeOnly: node.isTypeOnly });
    } else if (
      ts.isCallExpression(node) &&
      node.arguments.length > 0 &&
      ts.isStringLiteral(node.arguments[0]!)
    ) {
      const callee = node.expression;
      const isRequire = ts.isIdentifier(callee) && callee.text === 'require';
      const isResolve =
        ts.isPropertyAccessExpression(callee) &&
        ts.isIdentifier(callee.expression) &&
        callee.expression.text === 'require' &&
        callee.name.text === 'resolve';
      if (isRequire || isResolve || callee.kind === ts.SyntaxKind.ImportKeyword) {
        found.push({ specifier: node.arguments[0].text, typeOnly: false });
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return found;
}

/** Compares the packages `srcDir`'s TypeScript imports with `dependencies`. */
export function checkDependencies(srcDir: string, dependencies: Record<string, string>): DependencyReport {
  const imports: PackageImport[] = [];
  for (const file of sourceFiles(srcDir)) {
    for (const { specifier, typeOnly } of moduleReferences(file, readFileSync(file, 'utf8'))) {
      const name = packageName(specifier);
      if (name) imports.push({ packageName: name, file, typeOnly });
    }
  }
  const loaded = new Set(imports.map((entry) => entry.packageName));
  return {
    undeclared: imports.filter((entry) => !(entry.packageName in dependencies)),
    unused: Object.keys(dependencies).filter((name) => !loaded.has(name)),
  };
}

if (require.main === module) {
  const root = join(__dirname, '..');
  const manifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const { undeclared, unused } = checkDependencies(join(root, 'src'), manifest.dependencies);
  for (const { packageName: name, file, typeOnly } of undeclared) {
    const how = typeOnly ? 'imports types from' : 'loads';
    console.error(`${relative(root, file)} ${how} ${name}, which package.json's dependencies do not declare`);
  }
  for (const name of unused) console.error(`dependency ${name} is declared but nothing under src/ loads it`);
  if (undeclared.length + unused.length > 0) process.exit(1);
  console.log('every package src/ imports is a declared dependency, and every dependency is imported');
}

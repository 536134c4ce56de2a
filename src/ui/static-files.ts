import { readdirSync, readFileSync } from 'node:fs';
import { dirname, extname, join, relative, sep } from 'node:path';
import { packageRoot } from '../package-root';

/** A file the page needs, read once at start-up. */
export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.map': 'application/json; charset=utf-8',
};

/**
 * The page's files: `src/ui/public` as it is in the repository (and in the package, which ships
 * `src/` beside `dist/`), found from the package root so that the built CLI serves the same
 * files; no bundler runs at install time.
 */
export function publicDir(): string {
  return join(packageRoot(), 'src', 'ui', 'public');
}

/** The browser (ES module) builds of the two libraries the page uses, from node_modules. */
function vendorFiles(): Record<string, string> {
  const dagre = join(dirname(require.resolve('@dagrejs/dagre/package.json')), 'dist');
  const uplot = join(dirname(require.resolve('uplot/package.json')), 'dist');
  return {
    '/vendor/dagre.esm.js': join(dagre, 'dagre.esm.js'),
    '/vendor/dagre.esm.js.map': join(dagre, 'dagre.esm.js.map'),
    '/vendor/uPlot.esm.js': join(uplot, 'uPlot.esm.js'),
    '/vendor/uPlot.min.css': join(uplot, 'uPlot.min.css'),
  };
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? walk(join(dir, entry.name)) : [join(dir, entry.name)],
  );
}

/**
 * Every servable file by URL path. A fixed map built up front, so that no request path is ever
 * joined onto the file system: `..`, encoded slashes and the like simply find nothing.
 */
export function loadStaticFiles(root: string = publicDir()): Map<string, StaticFile> {
  const files = new Map<string, StaticFile>();
  const add = (urlPath: string, file: string) => {
    const contentType = CONTENT_TYPES[extname(file)];
    if (contentType) files.set(urlPath, { body: readFileSync(file), contentType });
  };
  for (const file of walk(root)) add(`/${relative(root, file).split(sep).join('/')}`, file);
  for (const [urlPath, file] of Object.entries(vendorFiles())) add(urlPath, file);
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BuildOptions, build, buildSync } from 'esbuild';

/**
 * The portal's one build (docs/portal.md): esbuild bundles `portal/src/main.tsx` (Preact) into
 * `app.js` and `app.css`, next to `index.html`. Offline and in-process: `npm run build:portal`
 * writes `portal/dist`, the local runtime builds it in memory, and `cdk synth` builds the asset it
 * uploads to S3.
 */
export const PORTAL_DIR = dirname(fileURLToPath(import.meta.url));

/** A built file: its bytes and the Content-Type it is served with. */
export interface PortalFile {
  readonly contents: Uint8Array;
  readonly contentType: string;
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
};

const options: BuildOptions = {
  entryPoints: { app: join(PORTAL_DIR, 'src', 'main.tsx') },
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020', 'chrome100', 'firefox100', 'safari15'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'none',
  write: false,
  outdir: '/portal',
  logLevel: 'silent',
};

const contentType = (path: string): string =>
  CONTENT_TYPES[path.slice(path.lastIndexOf('.'))] ?? 'application/octet-stream';

function collect(outputFiles: readonly { path: string; contents: Uint8Array }[]): Map<string, PortalFile> {
  const files = new Map<string, PortalFile>();
  files.set('index.html', {
    contents: readFileSync(join(PORTAL_DIR, 'index.html')),
    contentType: CONTENT_TYPES['.html'] as string,
  });
  for (const file of outputFiles) {
    const name = file.path.slice('/portal/'.length);
    files.set(name, { contents: file.contents, contentType: contentType(name) });
  }
  return files;
}

/** The built portal, in memory: file name (relative, e.g. `app.js`) → contents. */
export async function buildPortal(): Promise<Map<string, PortalFile>> {
  const result = await build(options);
  return collect(result.outputFiles ?? []);
}

/** The same build, synchronously (CDK's local bundling cannot await), written to `outDir`. */
export function writePortal(outDir: string): string[] {
  const result = buildSync(options);
  const files = collect(result.outputFiles ?? []);
  mkdirSync(outDir, { recursive: true });
  for (const [name, file] of files) writeFileSync(join(outDir, name), file.contents);
  return [...files.keys()];
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const outDir = join(PORTAL_DIR, 'dist');
  const written = writePortal(outDir);
  process.stdout.write(`portal built: ${written.map((name) => join('portal/dist', name)).join(', ')}\n`);
}

import type { BuildOptions } from 'esbuild';
import { LAMBDA_ALIASES, lambdaEntry, REPO_ROOT, WEBHOOK_BUNDLING } from '../../lib/webhook-function.js';

/** The esbuild equivalent of WEBHOOK_BUNDLING as NodejsFunction passes it on the command line. */
export function lambdaBuildOptions(name: string, outfile: string): BuildOptions {
  return {
    entryPoints: [lambdaEntry(name)],
    absWorkingDir: REPO_ROOT,
    outfile,
    bundle: true,
    platform: 'node',
    minify: WEBHOOK_BUNDLING.minify,
    sourcemap: WEBHOOK_BUNDLING.sourceMap,
    sourcesContent: WEBHOOK_BUNDLING.sourcesContent,
    target: WEBHOOK_BUNDLING.target,
    format: WEBHOOK_BUNDLING.format,
    mainFields: [...WEBHOOK_BUNDLING.mainFields],
    banner: { js: WEBHOOK_BUNDLING.banner },
    external: [...WEBHOOK_BUNDLING.externalModules],
    alias: { ...LAMBDA_ALIASES },
    logLevel: 'silent',
  };
}

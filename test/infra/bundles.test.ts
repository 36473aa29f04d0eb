import { join } from 'node:path';
import { type BuildOptions, build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { LAMBDA_ALIASES, REPO_ROOT, WEBHOOK_BUNDLING } from '../../lib/webhook-function.js';
import { FUNCTION_NAMES } from '../../lib/webhook-service.js';
import { lambdaBuildOptions } from '../support/bundling.js';

/**
 * Every deployed handler, bundled in memory with the options WebhookFunction gives esbuild (the
 * AWS SDK v3 clients included), must stay under 250 KB minified (issue 13): cold starts grow with
 * bundle size, and a handler that drags in every adapter shows up here first. Only escalation
 * still carries an SDK client (SNS, Query protocol); the rest call AWS through lambdas/aws/lean.
 */
const LIMIT_BYTES = 250 * 1024;
/** The functions that still bundle an SDK client, and so the aliases below. */
const WITH_SDK = ['escalation'];

/** As deployed, kept in memory with the metafile that names what a bundle holds. */
const options = (name: string): BuildOptions => ({
  ...lambdaBuildOptions(name, join(REPO_ROOT, 'cdk.out', 'bundle-test', name, 'index.mjs')),
  write: false,
  metafile: true,
});

describe('handler bundles', () => {
  it('bundle the AWS SDK instead of relying on the runtime copy', () => {
    expect(WEBHOOK_BUNDLING.externalModules).toEqual([]);
    expect(WEBHOOK_BUNDLING.format).toBe('esm');
  });

  it('pass the aliases to esbuild exactly as the test applies them', () => {
    expect(WEBHOOK_BUNDLING.esbuildArgs).toEqual({
      '--alias:@aws-sdk/credential-provider-node': LAMBDA_ALIASES['@aws-sdk/credential-provider-node'],
      '--alias:@smithy/core/event-streams': LAMBDA_ALIASES['@smithy/core/event-streams'],
    });
  });

  it('leave the event-stream codec out of a bundle (no called operation has an event stream)', async () => {
    const result = await build(options('escalation'));
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    expect(inputs.filter((path) => path.includes('submodules/event-streams'))).toEqual([]);
    expect(inputs.some((path) => path.endsWith('no-event-streams.ts'))).toBe(true);
  });

  it('leave no default credential chain (SSO, INI, STS clients) in a bundle', async () => {
    const result = await build(options('escalation'));
    const inputs = Object.keys(result.metafile?.inputs ?? {});
    expect(inputs.filter((path) => /credential-provider-(node|ini|sso)|nested-clients/.test(path))).toEqual(
      [],
    );
    expect(inputs.some((path) => path.includes('credential-provider-env'))).toBe(true);
  });

  it.each(FUNCTION_NAMES.filter((name) => !WITH_SDK.includes(name)))(
    '%s bundles no AWS SDK runtime (its AWS calls go through the lean client)',
    async (name) => {
      const result = await build(options(name));
      // What reaches the output (the metafile's inputs also list what tree shaking dropped).
      const output = Object.values(result.metafile?.outputs ?? {}).find((entry) => entry.entryPoint);
      const bundled = Object.entries(output?.inputs ?? {})
        .filter(([, input]) => input.bytesInOutput > 0)
        .map(([path]) => path);
      expect(bundled.filter((path) => /node_modules\/(@aws-sdk|@smithy)\//.test(path))).toEqual([]);
    },
  );

  it.each(FUNCTION_NAMES)('%s bundles to ESM exporting handler, under 250 KB minified', async (name) => {
    const result = await build(options(name));
    const code = result.outputFiles?.find((file) => file.path.endsWith('.mjs'));
    expect(code, 'bundle output').toBeDefined();
    const output = Object.entries(result.metafile?.outputs ?? {}).find(([path]) =>
      path.endsWith('.mjs'),
    )?.[1];
    expect(output?.exports).toContain('handler');
    const size = code?.contents.byteLength ?? Number.POSITIVE_INFINITY;
    if (size >= LIMIT_BYTES) {
      // Name the heaviest packages so the failure says what to cut.
      const byPackage = new Map<string, number>();
      for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
        const pkg =
          /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? input.split('/').slice(0, 2).join('/');
        byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + bytesInOutput);
      }
      const heaviest = [...byPackage]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([pkg, bytes]) => `${pkg} ${(bytes / 1024).toFixed(1)} KB`)
        .join(', ');
      expect.fail(`${name}: ${(size / 1024).toFixed(1)} KB >= 250 KB; heaviest: ${heaviest}`);
    }
    expect(size).toBeLessThan(LIMIT_BYTES);
  });
});

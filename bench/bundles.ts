import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { type BuildOptions, build } from 'esbuild';
import { FUNCTION_NAMES } from '../lib/webhook-service.js';
import { lambdaBuildOptions } from '../test/support/bundling.js';
import type { SectionResult } from './summary.js';

/**
 * Bench section `bundles`: every deployed handler bundled exactly as WebhookFunction bundles it
 * (the options of test/infra/bundles.test.ts, written to a temporary directory), its minified size,
 * and how long a fresh Node process takes to import it: the module-loading part of a cold start.
 * Each import runs in a new `node` with the environment variables the function's modules read, a few
 * times, and the median is reported: with the function's NODE_OPTIONS (--enable-source-maps, as
 * deployed) and without it (what the source maps cost at load). Sizes in KB of 1,024 bytes, as in
 * the bundle-size test.
 */

const RUNS = Number(process.env.BENCH_IMPORT_RUNS ?? 7);

const options = (name: string, outDir: string): BuildOptions => ({
  ...lambdaBuildOptions(name, join(outDir, name, 'index.mjs')),
  write: true,
});

/** What the deployed functions' environments hold (dummy values: nothing is called at import). */
const LAMBDA_ENV: Record<string, string> = {
  NODE_OPTIONS: '--enable-source-maps',
  POWERTOOLS_SERVICE_NAME: 'serverless-webhooks',
  POWERTOOLS_LOG_LEVEL: 'ERROR',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  CONFIG_TABLE_NAME: 'bench-config',
  DELIVERIES_TABLE_NAME: 'bench-deliveries',
  DELIVERY_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/bench-delivery',
  PARKED_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/bench-parked',
  EVENT_BUS_NAME: 'bench-bus',
  MASTER_KEY_SECRET_ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:bench',
  OPS_TOPIC_ARN: 'arn:aws:sns:us-east-1:000000000000:bench-ops',
  ESCALATION_STATE_MACHINE_ARN: 'arn:aws:states:us-east-1:000000000000:stateMachine:bench',
};

/** Imports the bundle in a fresh process; prints the milliseconds the import took. */
const IMPORT_SCRIPT = `const t = performance.now(); const m = await import(process.argv[1]);
if (typeof m.handler !== 'function') throw new Error('no handler export');
console.log(performance.now() - t);`;

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export interface BundleFigures {
  readonly name: string;
  readonly bytes: number;
  readonly gzipBytes: number;
  /** With NODE_OPTIONS=--enable-source-maps, as deployed. */
  readonly importMs: ImportTimes;
  /** Without source-map support. */
  readonly importMsWithoutSourceMaps: ImportTimes;
}

interface ImportTimes {
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

const summarize = (times: number[]): ImportTimes => ({
  median: Math.round(median(times)),
  min: Math.round(Math.min(...times)),
  max: Math.round(Math.max(...times)),
});

export async function benchBundles(log: (line: string) => void = () => {}): Promise<SectionResult> {
  const outDir = await mkdtemp(join(tmpdir(), 'webhooks-bundles-'));
  const run = promisify(execFile);
  // Only the variables the function would have (plus PATH): the bench's own must not leak in.
  const env = { PATH: process.env.PATH ?? '', ...LAMBDA_ENV };
  const figures: BundleFigures[] = [];
  try {
    for (const name of FUNCTION_NAMES) {
      const file = join(outDir, name, 'index.mjs');
      await build(options(name, outDir));
      const bytes = (await stat(file)).size;
      const gzipBytes = gzipSync(await readFile(file)).byteLength;
      const url = pathToFileURL(file).href;
      const importOnce = async (nodeOptions: string): Promise<number> => {
        const { stdout } = await run(process.execPath, ['--input-type=module', '-e', IMPORT_SCRIPT, url], {
          env: { ...env, NODE_OPTIONS: nodeOptions },
          cwd: outDir,
        });
        return Number(stdout.trim());
      };
      // Interleaved, so a busy moment on the machine spreads over both variants.
      const withMaps: number[] = [];
      const withoutMaps: number[] = [];
      for (let index = 0; index < RUNS; index++) {
        withMaps.push(await importOnce(LAMBDA_ENV.NODE_OPTIONS!));
        withoutMaps.push(await importOnce(''));
      }
      const importMs = summarize(withMaps);
      const importMsWithoutSourceMaps = summarize(withoutMaps);
      figures.push({ name, bytes, gzipBytes, importMs, importMsWithoutSourceMaps });
      log(`bundles: ${name} ${Math.round(bytes / 1024)} KB, import ${importMs.median} ms`);
    }
  } finally {
    await rm(outDir, { recursive: true, force: true });
  }
  return {
    report: { node: process.version, importRuns: RUNS, bundles: figures },
    tables: [
      {
        title: `Lambda bundles: minified ESM as deployed; import time in a fresh node ${process.version}, median of ${RUNS}, NODE_OPTIONS=--enable-source-maps as in Lambda`,
        columns: ['function', 'size KB', 'gzip KB', 'import ms', 'min-max ms', 'no source maps ms'],
        rows: figures.map((figure) => [
          figure.name,
          figure.bytes / 1024,
          figure.gzipBytes / 1024,
          figure.importMs.median,
          `${figure.importMs.min}-${figure.importMs.max}`,
          figure.importMsWithoutSourceMaps.median,
        ]),
      },
    ],
    // The largest bundle and the slowest import stand for all (every bundle must meet the target).
    targets: [
      {
        figure: `largest bundle, minified (${largest(figures, (figure) => figure.bytes).name})`,
        value: largest(figures, (figure) => figure.bytes).bytes / 1024,
        target: 250,
        unit: 'KB',
      },
      {
        figure: `slowest import, source maps on (${largest(figures, (figure) => figure.importMs.median).name})`,
        value: largest(figures, (figure) => figure.importMs.median).importMs.median,
        target: 40,
        unit: 'ms',
      },
    ],
  };
}

const largest = (figures: readonly BundleFigures[], by: (figure: BundleFigures) => number): BundleFigures =>
  figures.reduce((most, figure) => (by(figure) > by(most) ? figure : most));

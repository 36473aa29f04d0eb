import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { JobResult } from '../../lambdas/services/delivery.js';
import type { FanOutResult } from '../../lambdas/services/fanout.js';

// These tests read the EMF lines Lambda writes to stdout: Powertools outside its dev mode (which
// test/support/setup.ts turns on so that vitest shows logs for failing tests only).
delete process.env.POWERTOOLS_DEV;

/**
 * lambdas/metrics.ts: what one invocation's results become in CloudWatch EMF. The module reads its
 * namespace and dimensions from the environment at import, so each test imports a fresh copy.
 */

interface EmfLine {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: {
      Namespace: string;
      Dimensions: string[][];
      Metrics: { Name: string; Unit: string }[];
    }[];
  };
  [key: string]: unknown;
}

const ENV_KEYS = [
  'POWERTOOLS_METRICS_DISABLED',
  'POWERTOOLS_METRICS_NAMESPACE',
  'METRICS_DEPLOYMENT',
  'AWS_LAMBDA_FUNCTION_NAME',
] as const;
let savedEnv: Record<string, string | undefined>;
let stdout: string[];

beforeEach(() => {
  savedEnv = Object.fromEntries(ENV_KEYS.map((key) => [key, process.env[key]]));
  for (const key of ENV_KEYS) delete process.env[key];
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  vi.resetModules();
});

afterEach(() => {
  vi.restoreAllMocks();
  for (const key of ENV_KEYS) {
    if (savedEnv[key] === undefined) delete process.env[key];
    else process.env[key] = savedEnv[key];
  }
});

const importMetrics = () => import('../../lambdas/metrics.js');

const emfLines = (): EmfLine[] =>
  stdout
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfLine);

/** The single EMF line the invocation wrote, and its metric directive. */
function onlyEmfLine(): { line: EmfLine; directive: EmfLine['_aws']['CloudWatchMetrics'][number] } {
  const lines = emfLines();
  expect(lines).toHaveLength(1);
  const line = lines[0] as EmfLine;
  expect(line._aws.CloudWatchMetrics).toHaveLength(1);
  return { line, directive: line._aws.CloudWatchMetrics[0] as EmfLine['_aws']['CloudWatchMetrics'][number] };
}

const attempted = (
  outcome: 'delivered' | 'retry' | 'gone' | 'failed',
  final: boolean,
  responseTimeMs: number,
): JobResult => ({ kind: 'attempted', webhookId: 'wh_1', outcome, final, responseTimeMs });

describe('delivery metrics', () => {
  it('writes one EMF line per invocation: counts, latencies, namespace and deployment dimension', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    process.env.METRICS_DEPLOYMENT = 'Prod-Webhooks';
    const { addDeliveryMetrics, flushMetrics } = await importMetrics();

    addDeliveryMetrics(
      [
        attempted('delivered', true, 120),
        attempted('delivered', true, 80),
        attempted('retry', false, 5000), // will be retried
        attempted('retry', true, 30), // retries exhausted: parked
        attempted('gone', true, 15), // 410: final, not parked
        { kind: 'deferred' },
        { kind: 'skipped', reason: 'already processed' },
      ],
      1, // one malformed job parked by the handler
    );
    flushMetrics();

    const { line, directive } = onlyEmfLine();
    expect(directive.Namespace).toBe('ServerlessWebhooks');
    expect(directive.Dimensions).toEqual([['service', 'deployment']]);
    expect(line.service).toBe('serverless-webhooks');
    expect(line.deployment).toBe('Prod-Webhooks');
    expect(Object.fromEntries(directive.Metrics.map((metric) => [metric.Name, metric.Unit]))).toEqual({
      AttemptLatency: 'Milliseconds',
      DeliveriesSucceeded: 'Count',
      AttemptsFailed: 'Count',
      DeliveriesFailed: 'Count',
      MessagesParked: 'Count',
    });
    expect(line.AttemptLatency).toEqual([120, 80, 5000, 30, 15]);
    expect(line.DeliveriesSucceeded).toBe(2);
    expect(line.AttemptsFailed).toBe(3);
    expect(line.DeliveriesFailed).toBe(2);
    expect(line.MessagesParked).toBe(2);
  });

  it('writes zero counts for a batch with no attempt, so dashboards read 0 rather than a gap', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const { addDeliveryMetrics, flushMetrics } = await importMetrics();

    addDeliveryMetrics([{ kind: 'deferred' }], 0);
    flushMetrics();

    const { line, directive } = onlyEmfLine();
    expect(line).toMatchObject({ DeliveriesSucceeded: 0, AttemptsFailed: 0, DeliveriesFailed: 0 });
    expect(line).not.toHaveProperty('AttemptLatency');
    expect(directive.Dimensions).toEqual([['service']]);
  });

  it('takes the namespace from POWERTOOLS_METRICS_NAMESPACE', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'Custom/Webhooks';
    const { addDeliveryMetrics, flushMetrics } = await importMetrics();

    addDeliveryMetrics([attempted('delivered', true, 10)], 0);
    flushMetrics();

    expect(onlyEmfLine().directive.Namespace).toBe('Custom/Webhooks');
  });
});

describe('fan-out metrics', () => {
  it('records one fan-out size per admitted event, and counts dropped events and parked messages', async () => {
    process.env.POWERTOOLS_METRICS_DISABLED = 'false';
    const { addFanOutMetrics, flushMetrics } = await importMetrics();
    const results: FanOutResult[] = [
      { deliveries: 3, duplicateEvent: false, dropped: false },
      { deliveries: 0, duplicateEvent: false, dropped: false }, // no subscriber: still an event
      { deliveries: 0, duplicateEvent: true, dropped: false }, // a duplicate: not an event
      { deliveries: 0, duplicateEvent: false, dropped: true }, // over quota
    ];

    addFanOutMetrics(results, 1);
    flushMetrics();

    const { line } = onlyEmfLine();
    expect(line.FanOutSize).toEqual([3, 0]);
    expect(line.EventsDropped).toBe(1);
    expect(line.MessagesParked).toBe(1);
  });
});

describe('when metrics are written', () => {
  it('writes nothing outside Lambda unless POWERTOOLS_METRICS_DISABLED says otherwise', async () => {
    const { addDeliveryMetrics, flushMetrics, metrics } = await importMetrics();

    addDeliveryMetrics([attempted('delivered', true, 10)], 0);
    flushMetrics();

    expect(stdout.join('')).toBe('');
    // Dropped, not carried into the next invocation.
    expect(metrics.hasStoredMetrics()).toBe(false);
  });

  it('is on in Lambda by default and off when POWERTOOLS_METRICS_DISABLED is true', async () => {
    const { metricsEnabled } = await importMetrics();

    expect(metricsEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'deliver' })).toBe(true);
    expect(metricsEnabled({ AWS_LAMBDA_FUNCTION_NAME: 'deliver', POWERTOOLS_METRICS_DISABLED: 'true' })).toBe(
      false,
    );
    expect(metricsEnabled({ POWERTOOLS_METRICS_DISABLED: 'false' })).toBe(true);
    expect(metricsEnabled({})).toBe(false);
  });
});

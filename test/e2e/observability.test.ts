import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deliveryIdFor } from '../../lambdas/domain/ids.js';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { log } from '../../lambdas/logging.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { Receiver } from '../support/receiver.js';

// This file reads what the handlers write to stdout and stderr, as in Lambda: Powertools outside its dev mode
// (test/support/setup.ts turns it on so vitest shows logs for failing tests only). Hoisted: the
// logger is built when lambdas/logging.ts is imported.
vi.hoisted(() => {
  delete process.env.POWERTOOLS_DEV;
});

/**
 * What the fanout and deliver handlers write to stdout for one event, run by the local runtime with
 * metrics switched on: EMF metrics derived from the results, and JSON log lines that carry the
 * event, delivery and webhook ids (docs/observability.md).
 */

type Line = Record<string, unknown> & { _aws?: unknown };

let runtime: TestRuntime;
const receivers: Receiver[] = [];
const lines: Line[] = [];
let previousMetricsFlag: string | undefined;

beforeAll(async () => {
  previousMetricsFlag = process.env.POWERTOOLS_METRICS_DISABLED;
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  log.setLogLevel('INFO');
  // Both streams: Powertools writes WARN and ERROR lines to stderr (in Lambda both reach the log group).
  for (const stream of [process.stdout, process.stderr]) {
    const write = stream.write.bind(stream);
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
      const text = String(chunk);
      for (const line of text.split('\n')) {
        if (!line.startsWith('{')) continue;
        try {
          lines.push(JSON.parse(line) as Line);
        } catch {
          // not one of ours
        }
      }
      return text.startsWith('{') ? true : write(chunk, ...(rest as []));
    });
  }
  runtime = await startTestRuntime({ deliveryConcurrency: 1 });
});

afterAll(async () => {
  vi.restoreAllMocks();
  if (previousMetricsFlag === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = previousMetricsFlag;
  await Promise.all(receivers.map((receiver) => receiver.stop()));
  await runtime.dispose();
});

async function aWebhook(status: number): Promise<WebhookResource> {
  const receiver = await Receiver.start([{ status }]);
  receivers.push(receiver);
  const response = await runtime.tenant.post<WebhookResource>('/v1/webhooks', {
    name: `answers ${status}`,
    url: `${receiver.url}/hook`,
    events: ['order.created'],
    retry_policy: { max_retries: 0 },
  });
  expect(response.status).toBe(201);
  return response.body;
}

/** The sum of one metric over every EMF line written so far (values may be arrays). */
const metricValues = (name: string): number[] =>
  lines
    .filter((line) => line._aws !== undefined && name in line)
    .flatMap((line) => [line[name]].flat() as number[]);
const sum = (name: string) => metricValues(name).reduce((total, value) => total + value, 0);

describe('one event to an endpoint that answers 200 and one that answers 500 (no retries)', () => {
  let ok: WebhookResource;
  let failing: WebhookResource;
  let eventId: string;

  beforeAll(async () => {
    ok = await aWebhook(200);
    failing = await aWebhook(500);
    const published = await runtime.tenant.post<{ id: string }>('/v1/events', {
      type: 'order.created',
      data: { order_id: 'ord_observed' },
    });
    expect(published.status).toBe(202);
    eventId = published.body.id;
    // Both attempts made and recorded: the failing one exhausted and parked.
    await eventually(async () =>
      sum('DeliveriesSucceeded') === 1 && sum('DeliveriesFailed') === 1 ? true : undefined,
    );
  });

  it('writes EMF metrics in the service namespace: fan-out size, outcomes, latency, parked messages', () => {
    expect(metricValues('FanOutSize')).toEqual([2]);
    expect(sum('EventsDropped')).toBe(0);
    expect(sum('DeliveriesSucceeded')).toBe(1);
    expect(sum('AttemptsFailed')).toBe(1);
    expect(sum('DeliveriesFailed')).toBe(1);
    expect(sum('MessagesParked')).toBe(1);
    expect(metricValues('AttemptLatency')).toHaveLength(2);
    const directives = lines.flatMap(
      (line) =>
        (line._aws as { CloudWatchMetrics: { Namespace: string }[] } | undefined)?.CloudWatchMetrics ?? [],
    );
    expect(new Set(directives.map((directive) => directive.Namespace))).toEqual(
      new Set(['ServerlessWebhooks']),
    );
  });

  it('writes one line of counts per fan-out invocation, none per event fanned out', () => {
    // Assess
    // The event's invocation (an endpoint.failing operational event may come in a line of its own).
    const batchLines = lines.filter((line) => line.message === 'fan-out batch' && line.deliveries === 2);
    expect(batchLines).toHaveLength(1);
    expect(batchLines[0]).toMatchObject({ level: 'INFO', messages: 1, fannedOut: 1, deliveries: 2 });
    expect(lines.filter((line) => line.eventId === eventId && line.level === 'INFO')).toEqual([]);
  });

  it('writes one line of counts per delivery invocation, adding up to the two jobs', () => {
    // Assess
    const batchLines = lines.filter((line) => line.message === 'delivery batch');
    const total = (key: string) => batchLines.reduce((sum, line) => sum + Number(line[key] ?? 0), 0);
    expect(batchLines.every((line) => line.level === 'INFO')).toBe(true);
    expect([total('jobs'), total('delivered'), total('failed'), total('retried')]).toEqual([2, 1, 1, 0]);
  });

  it('stamps event, delivery and webhook ids on the warn line of the failed attempt', () => {
    // Prepare
    const deliveryId = deliveryIdFor(eventId, failing.id);

    // Act
    const warnLines = lines.filter(
      (line) => line.message === 'delivery attempt failed' && line.deliveryId === deliveryId,
    );

    // Assess
    expect(warnLines).toHaveLength(1);
    expect(warnLines[0]).toMatchObject({
      level: 'WARN',
      eventId,
      webhookId: failing.id,
      deliveryId,
      outcome: 'retry',
      final: true,
      attempt: 1,
    });
  });

  it('writes no line of its own for the delivery that succeeded', () => {
    // Assess
    const deliveryId = deliveryIdFor(eventId, ok.id);
    expect(lines.filter((line) => line.deliveryId === deliveryId)).toEqual([]);
  });
});

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { deliveryIdFor } from '../../lambdas/domain/ids.js';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { log } from '../../lambdas/logging.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { Receiver } from '../support/receiver.js';

// This file reads what the handlers write to stdout, as in Lambda: Powertools outside its dev mode
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
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
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

  it('stamps the event id on the fan-out log line', () => {
    const fannedOut = lines.find((line) => line.message === 'fanned out' && line.eventId === eventId);
    expect(fannedOut).toMatchObject({ level: 'INFO', eventType: 'order.created', deliveries: 2 });
  });

  it.each([
    ['200', () => ok, 'delivered'],
    ['500', () => failing, 'retry'],
  ])(
    'stamps event, delivery and webhook ids on the delivery log line of the %s endpoint',
    (_status, webhook, outcome) => {
      const webhookId = webhook().id;
      const deliveryId = deliveryIdFor(eventId, webhookId);
      const jobLines = lines.filter(
        (line) => line.message === 'delivery job' && line.deliveryId === deliveryId,
      );
      expect(jobLines).toHaveLength(1);
      expect(jobLines[0]).toMatchObject({ eventId, webhookId, deliveryId, outcome, attempt: 1 });
    },
  );
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { type ErrorBody, expectError } from '../support/assertions.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { type Behaviour, Receiver } from '../support/receiver.js';

/**
 * Resend and recover (issue 12), end to end against the local runtime and real receivers on
 * 127.0.0.1 that count what they get: POST /v1/deliveries/{id}/retry on any delivery (a resend of a
 * succeeded one, a pending one sent now), one send whatever the number of parallel requests, and
 * stats that count a delivery once, by its latest outcome.
 */

interface DeliverySummary {
  id: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempt_count: number;
  attempts: number;
  next_attempt_at: string | null;
  created_at: string;
}
interface DeliveryDetail extends Omit<DeliverySummary, 'attempts'> {
  attempts: { attempt: number; status_code: number | null }[];
}
interface StatsWindow {
  total_deliveries: number;
  successful: number;
  failed: number;
  success_rate: number;
  avg_response_time_ms: number | null;
}
interface StatsBody {
  last_24h: StatsWindow;
  all_time: StatsWindow;
}

let runtime: TestRuntime;
const receivers: Receiver[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime({ visibilityTimeoutSeconds: 2 });
});

afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.stop()));
  await runtime.dispose();
});

async function aReceiver(script?: Behaviour[]): Promise<Receiver> {
  const receiver = await Receiver.start(script);
  receivers.push(receiver);
  return receiver;
}

async function aWebhook(
  receiver: Receiver,
  overrides: Record<string, unknown> = {},
): Promise<WebhookResource> {
  const response = await runtime.tenant.post<WebhookResource>('/v1/webhooks', {
    name: 'resend',
    url: `${receiver.url}/hook`,
    events: ['order.created'],
    retry_policy: { max_retries: 0 },
    ...overrides,
  });
  expect(response.status).toBe(201);
  return response.body;
}

async function publish(data: Record<string, unknown>): Promise<string> {
  const response = await runtime.tenant.post<{ id: string }>('/v1/events', { type: 'order.created', data });
  expect(response.status).toBe(202);
  return response.body.id;
}

const deliveriesOf = async (webhookId: string, query = ''): Promise<DeliverySummary[]> =>
  (await runtime.tenant.get<{ data: DeliverySummary[] }>(`/v1/webhooks/${webhookId}/deliveries${query}`)).body
    .data;

const detail = async (id: string): Promise<DeliveryDetail> =>
  (await runtime.tenant.get<DeliveryDetail>(`/v1/deliveries/${id}`)).body;

/** Waits until the webhook has `count` deliveries, none pending, with `attempts` attempts in all. */
async function settled(webhookId: string, count: number, attempts: number): Promise<DeliverySummary[]> {
  return eventually(async () => {
    const list = await deliveriesOf(webhookId);
    const done = list.length === count && list.every((delivery) => delivery.status !== 'pending');
    const made = list.reduce((sum, delivery) => sum + delivery.attempt_count, 0);
    return done && made === attempts ? list : undefined;
  }, 20_000);
}

const statsOf = async (webhookId: string): Promise<StatsBody> =>
  (await runtime.tenant.get<StatsBody>(`/v1/webhooks/${webhookId}/stats`)).body;

/** Lets anything wrongly queued twice arrive before counting. */
const quietPeriod = () => new Promise((resolve) => setTimeout(resolve, 2500));

describe('POST /v1/deliveries/{id}/retry', () => {
  it('resends a succeeded delivery once, whatever the number of parallel retries, counted once', async () => {
    // Prepare
    const receiver = await aReceiver();
    const webhook = await aWebhook(receiver);
    await publish({ order_id: 'ord_resend' });
    const [delivered] = await settled(webhook.id, 1, 1);
    expect(delivered!.status).toBe('succeeded');

    // Act: ten parallel retries of the same delivery
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => runtime.tenant.post(`/v1/deliveries/${delivered!.id}/retry`)),
    );

    // Assess: each answered 202, the receiver got exactly one more request
    expect(responses.map((response) => response.status)).toEqual(Array(10).fill(202));
    const [resent] = await settled(webhook.id, 1, 2);
    await quietPeriod();
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[0]!.headers['webhook-id']).toBe(receiver.requests[1]!.headers['webhook-id']);
    const resentDetail = await detail(resent!.id);
    expect(resentDetail).toMatchObject({ status: 'succeeded', attempt_count: 2 });
    expect(resentDetail.attempts.map((attempt) => attempt.attempt)).toEqual([1, 2]);
    // The list and the detail agree on the count.
    expect(resent).toMatchObject({ attempt_count: 2, attempts: 2 });
    const stats = await statsOf(webhook.id);
    expect(stats.last_24h).toMatchObject({ total_deliveries: 1, successful: 1, failed: 0 });
    expect(stats.all_time).toMatchObject({ total_deliveries: 1, successful: 1, failed: 0 });
    expect(stats.all_time.avg_response_time_ms).toEqual(expect.any(Number));
  });

  it('sends a pending delivery now instead of at its scheduled retry, once for parallel requests', async () => {
    // Prepare: the first attempt fails, the retry is an hour away
    const receiver = await aReceiver([{ status: 500 }, { status: 200 }]);
    const webhook = await aWebhook(receiver, { retry_policy: { max_retries: 3, intervals_seconds: [3600] } });
    await publish({ order_id: 'ord_pending' });
    const waiting = await eventually(async () => {
      const [delivery] = await deliveriesOf(webhook.id);
      return delivery?.attempt_count === 1 && delivery.status === 'pending' ? delivery : undefined;
    });
    expect(Date.parse(waiting.next_attempt_at!)).toBeGreaterThan(Date.now() + 3_000_000);

    // Act
    const responses = await Promise.all(
      Array.from({ length: 5 }, () => runtime.tenant.post(`/v1/deliveries/${waiting.id}/retry`)),
    );

    // Assess
    expect(responses.map((response) => response.status)).toEqual(Array(5).fill(202));
    const [delivered] = await settled(webhook.id, 1, 2);
    await quietPeriod();
    expect(delivered!.status).toBe('succeeded');
    expect(receiver.requests).toHaveLength(2);
    expect((await statsOf(webhook.id)).all_time).toMatchObject({ total_deliveries: 1, successful: 1 });
  });

  it('answers 409 for a paused webhook and sends nothing', async () => {
    // Prepare
    const receiver = await aReceiver([{ status: 400 }]);
    const webhook = await aWebhook(receiver);
    await publish({ order_id: 'ord_paused_retry' });
    const [failed] = await settled(webhook.id, 1, 1);
    await runtime.tenant.patch(`/v1/webhooks/${webhook.id}`, { status: 'paused' });

    // Act
    const response = await runtime.tenant.post<ErrorBody>(`/v1/deliveries/${failed!.id}/retry`);

    // Assess
    expectError(response, 409, 'conflict');
    expect((await detail(failed!.id)).status).toBe('failed');
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('POST /v1/webhooks/{id}/recover', () => {
  it('sends again the failed deliveries of the window, once each for parallel requests; status all resends the rest', async () => {
    // Prepare: three deliveries fail (400), the third after the window's end
    const receiver = await aReceiver([{ status: 400 }, { status: 400 }, { status: 400 }, { status: 200 }]);
    const webhook = await aWebhook(receiver);
    const since = new Date(Date.now() - 1000).toISOString();
    await publish({ order_id: 'ord_rc_1' });
    await publish({ order_id: 'ord_rc_2' });
    await settled(webhook.id, 2, 2);
    // An event's time (its ULID) has the bus's whole seconds: a second apart on either side.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const until = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await publish({ order_id: 'ord_rc_3' });
    await settled(webhook.id, 3, 3);

    // Act: five parallel recovers of the same window
    const responses = await Promise.all(
      Array.from({ length: 5 }, () =>
        runtime.tenant.post<{ queued: number; done: boolean }>(`/v1/webhooks/${webhook.id}/recover`, {
          since,
          until,
        }),
      ),
    );

    // Assess: two queued between them, each sent once; the delivery after `until` stays failed
    expect(responses.map((response) => response.status)).toEqual(Array(5).fill(202));
    expect(responses.reduce((sum, response) => sum + response.body.queued, 0)).toBe(2);
    const list = await settled(webhook.id, 3, 5);
    await quietPeriod();
    expect(receiver.requests).toHaveLength(5);
    expect(list.map((delivery) => delivery.status)).toEqual(['failed', 'succeeded', 'succeeded']);
    expect((await statsOf(webhook.id)).all_time).toMatchObject({
      total_deliveries: 3,
      successful: 2,
      failed: 1,
    });

    // Act: every final delivery since `since`, succeeded ones too
    const all = await runtime.tenant.post<{ queued: number; done: boolean }>(
      `/v1/webhooks/${webhook.id}/recover`,
      { since, status: 'all' },
    );

    // Assess
    expect(all.status).toBe(202);
    expect(all.body).toEqual({ queued: 3, done: true });
    await settled(webhook.id, 3, 8);
    await quietPeriod();
    expect(receiver.requests).toHaveLength(8);
    const stats = await statsOf(webhook.id);
    expect(stats.all_time).toMatchObject({ total_deliveries: 3, successful: 3, failed: 0 });
    expect(stats.last_24h).toMatchObject({ total_deliveries: 3, successful: 3, failed: 0 });
  });

  it('refuses a bad window with 400 and a paused webhook with 409, queueing nothing', async () => {
    // Prepare
    const receiver = await aReceiver([{ status: 400 }]);
    const webhook = await aWebhook(receiver);
    await publish({ order_id: 'ord_rc_bad' });
    await settled(webhook.id, 1, 1);
    const now = Date.now();
    const iso = (offsetMs: number) => new Date(now + offsetMs).toISOString();
    const bad: unknown[] = [
      {},
      { until: iso(0) },
      { since: 'yesterday' },
      { since: '2025-01-01' },
      { since: iso(60_000) },
      { since: iso(-31 * 86_400_000) },
      { since: iso(-60_000), until: iso(-120_000) },
      { since: iso(-60_000), status: 'succeeded' },
      { since: iso(-60_000), extra: true },
    ];

    // Act
    const answers = await Promise.all(
      bad.map((body) => runtime.tenant.post<ErrorBody>(`/v1/webhooks/${webhook.id}/recover`, body)),
    );
    await runtime.tenant.patch(`/v1/webhooks/${webhook.id}`, { status: 'paused' });
    const paused = await runtime.tenant.post<ErrorBody>(`/v1/webhooks/${webhook.id}/recover`, {
      since: iso(-60_000),
    });

    // Assess
    for (const answer of answers) expectError(answer, 400, 'validation_error');
    expectError(paused, 409, 'conflict');
    expect((await deliveriesOf(webhook.id))[0]!.status).toBe('failed');
    expect(receiver.requests).toHaveLength(1);
  });
});

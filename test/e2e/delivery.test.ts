import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import {
  GetQueueAttributesCommand,
  type QueueAttributeName,
  ReceiveMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSEvent } from 'aws-lambda';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseDeliveryId } from '../../lambdas/domain/ids.js';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { type Behaviour, type ReceivedRequest, Receiver } from '../support/receiver.js';

/**
 * The delivery pipeline end to end: publish (API and EventBridge SDK) → fan-out → signed POSTs to
 * real receivers on 127.0.0.1 → retries on the endpoint's schedule → history, DLQ, disable.
 * Every received request is verified with the official standardwebhooks library.
 */

interface DeliverySummary {
  id: string;
  status: string;
  attempts: number;
  last_status_code: number | null;
  failure_reason: string | null;
}
interface DeliveryDetail extends Omit<DeliverySummary, 'attempts'> {
  attempts: { attempt: number; status_code: number | null; error: string | null; response_time_ms: number }[];
  payload: { id: string; type: string; data: unknown };
}
type Created = WebhookResource & { secret: string };

let runtime: TestRuntime;
/** When set, the next batch holding a job for one of these webhooks crashes mid-batch. */
let crashBatchFor: ReadonlySet<string> | undefined;
let crashedBatchSize = 0;
const receivers: Receiver[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime({
    visibilityTimeoutSeconds: 2,
    // One poller, so the jobs of one fan-out arrive as one batch.
    deliveryConcurrency: 1,
    // Fault injection: when armed, the consumer handles the first message of the next batch that
    // holds a job of the armed webhooks and then dies, like a Lambda crashing mid-batch (nothing is
    // deleted; the batch comes back). Keyed on the jobs, not on "the next batch", so a late retry of
    // an earlier test can never be the batch that crashes.
    wrapDeliverHandler: (handler) => async (event: SQSEvent) => {
      const armed = crashBatchFor;
      const jobsOfArmed = armed
        ? event.Records.filter((record) => armed.has(webhookIdOfJob(record.body))).length
        : 0;
      if (jobsOfArmed > 0) {
        crashBatchFor = undefined;
        crashedBatchSize = jobsOfArmed;
        await handler({ Records: event.Records.slice(0, 1) });
        throw new Error('injected crash mid-batch');
      }
      return handler(event);
    },
  });
});

afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.stop()));
  await runtime.dispose();
});

/** The webhook a delivery job is for: its delivery id derives from (event id, webhook id). */
function webhookIdOfJob(body: string): string {
  const { deliveryId } = JSON.parse(body) as { deliveryId: string };
  return parseDeliveryId(deliveryId)?.webhookId ?? '';
}

async function aReceiver(script?: Behaviour[]): Promise<Receiver> {
  const receiver = await Receiver.start(script);
  receivers.push(receiver);
  return receiver;
}

async function aWebhook(receiver: Receiver, overrides: Record<string, unknown> = {}): Promise<Created> {
  const response = await runtime.tenant.post<Created>('/v1/webhooks', {
    name: 'receiver',
    url: `${receiver.url}/hook`,
    events: ['order.created'],
    retry_policy: { intervals_seconds: [1, 1] },
    ...overrides,
  });
  expect(response.status).toBe(201);
  return response.body;
}

async function publish(data: Record<string, unknown>, extra: Record<string, unknown> = {}): Promise<string> {
  const response = await runtime.tenant.post<{ id: string }>('/v1/events', {
    type: 'order.created',
    data,
    ...extra,
  });
  expect(response.status).toBe(202);
  return response.body.id;
}

/** Messages in the delivery queue: visible, in flight and delayed. */
async function deliveryQueueDepth(): Promise<number> {
  const { Attributes: attributes = {} } = await runtime.sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: runtime.queueUrls.delivery, AttributeNames: ['All'] }),
  );
  const counted: QueueAttributeName[] = [
    'ApproximateNumberOfMessages',
    'ApproximateNumberOfMessagesNotVisible',
    'ApproximateNumberOfMessagesDelayed',
  ];
  return counted.map((name) => Number(attributes[name] ?? 0)).reduce((sum, count) => sum + count, 0);
}

const deliveriesOf = async (webhookId: string, query = '') =>
  (await runtime.tenant.get<{ data: DeliverySummary[] }>(`/v1/webhooks/${webhookId}/deliveries${query}`)).body
    .data;

/** Waits until the webhook's only delivery is final, and returns its detail. */
async function finalDelivery(webhookId: string, timeoutMs = 15_000): Promise<DeliveryDetail> {
  const summary = await eventually(async () => {
    const [delivery] = await deliveriesOf(webhookId);
    return delivery && delivery.status !== 'pending' ? delivery : undefined;
  }, timeoutMs);
  return (await runtime.tenant.get<DeliveryDetail>(`/v1/deliveries/${summary.id}`)).body;
}

function verifyStandard(request: ReceivedRequest, secret: string): unknown {
  return new StandardWebhook(secret).verify(request.body, {
    'webhook-id': String(request.headers['webhook-id']),
    'webhook-timestamp': String(request.headers['webhook-timestamp']),
    'webhook-signature': String(request.headers['webhook-signature']),
  });
}

describe('publishing', () => {
  it('delivers an event published through the API, signed for the official verifier', async () => {
    // Prepare
    const receiver = await aReceiver();
    const webhook = await aWebhook(receiver);
    // Act
    const eventId = await publish({ order_id: 'ord_api' });
    // Assess
    await eventually(async () => (receiver.requests.length > 0 ? true : undefined));
    const [request] = receiver.requests;
    expect(verifyStandard(request!, webhook.secret)).toEqual({
      id: eventId,
      type: 'order.created',
      timestamp: expect.any(String),
      data: { order_id: 'ord_api' },
    });
    expect(request!.headers['webhook-id']).toBe(eventId);
    expect(request!.headers['x-webhook-event']).toBe('order.created');
    expect(request!.headers['x-webhook-attempt']).toBe('1');
    expect(request!.headers['user-agent']).toMatch(/^serverless-webhooks\//);
  });

  it('delivers an event put on the bus with the real EventBridge SDK client', async () => {
    // Prepare
    const receiver = await aReceiver();
    const webhook = await aWebhook(receiver);
    const client = new EventBridgeClient({ endpoint: runtime.eventBridgeEndpoint, region: 'us-east-1' });
    // Act
    const result = await client.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'webhooks-local',
            Source: 'billing-service',
            DetailType: 'order.created',
            Detail: JSON.stringify({ account_id: runtime.accountId, data: { order_id: 'ord_bus' } }),
          },
        ],
      }),
    );
    // Assess
    expect(result.FailedEntryCount).toBe(0);
    await eventually(async () => (receiver.requests.length > 0 ? true : undefined));
    const payload = verifyStandard(receiver.requests[0]!, webhook.secret) as { id: string; data: unknown };
    expect(payload.data).toEqual({ order_id: 'ord_bus' });
    expect(payload.id).toMatch(/^evt_[0-9a-z]{26}$/);
  });

  it('sends the simple sha256 signature receivers can check with the documented recipe', async () => {
    // Prepare
    const receiver = await aReceiver();
    const webhook = await aWebhook(receiver);
    // Act
    await publish({ order_id: 'ord_hex' });
    // Assess
    await eventually(async () => (receiver.requests.length > 0 ? true : undefined));
    const request = receiver.requests[0]!;
    const { createHmac } = await import('node:crypto');
    const timestamp = String(request.headers['x-webhook-timestamp']);
    const expected = createHmac('sha256', webhook.secret)
      .update(`${timestamp}.${request.body}`)
      .digest('hex');
    expect(request.headers['x-webhook-signature']).toBe(`sha256=${expected}`);
  });

  it('answers a repeated idempotency key with the same id and delivers once', async () => {
    // Prepare
    const receiver = await aReceiver();
    const webhook = await aWebhook(receiver);
    // Act
    const first = await publish({ order_id: 'ord_dup' }, { idempotency_key: 'order-dup-1' });
    const second = await publish({ order_id: 'ord_dup' }, { idempotency_key: 'order-dup-1' });
    // Assess
    expect(second).toBe(first);
    await finalDelivery(webhook.id);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.requests).toHaveLength(1);
    expect(await deliveriesOf(webhook.id)).toHaveLength(1);
  });

  it('sends nothing to a paused endpoint', async () => {
    // Prepare
    const receiver = await aReceiver();
    const paused = await aWebhook(receiver);
    await runtime.tenant.patch(`/v1/webhooks/${paused.id}`, { status: 'paused' });
    const activeReceiver = await aReceiver();
    const active = await aWebhook(activeReceiver);
    // Act
    await publish({ order_id: 'ord_paused' });
    // Assess
    await finalDelivery(active.id);
    expect(receiver.requests).toHaveLength(0);
    expect(await deliveriesOf(paused.id)).toHaveLength(0);
  });

  it('sends only the subscribed types, and every type to an endpoint subscribed to all', async () => {
    // Prepare
    const receiver = await aReceiver();
    const all = await aWebhook(receiver, { events: [] });
    const otherReceiver = await aReceiver();
    const other = await aWebhook(otherReceiver, { events: ['document.sent'] });
    // Act
    await publish({ order_id: 'ord_types' });
    // Assess
    await finalDelivery(all.id);
    expect(await deliveriesOf(other.id)).toHaveLength(0);
    expect(otherReceiver.requests).toHaveLength(0);
  });
});

describe('outcomes and retries', () => {
  it('retries 500, 500, then 200: delivered on attempt 3 with 3 attempts recorded', async () => {
    // Prepare
    const receiver = await aReceiver([{ status: 500 }, { status: 500 }, { status: 200, body: 'ok' }]);
    const webhook = await aWebhook(receiver, { retry_policy: { intervals_seconds: [1, 1] } });
    // Act
    await publish({ order_id: 'ord_retry' });
    // Assess
    const delivery = await finalDelivery(webhook.id);
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts.map((attempt) => attempt.status_code)).toEqual([500, 500, 200]);
    expect(receiver.requests.map((request) => request.headers['x-webhook-attempt'])).toEqual(['1', '2', '3']);
    expect(new Set(receiver.requests.map((request) => request.headers['webhook-id'])).size).toBe(1);
    for (const request of receiver.requests)
      expect(() => verifyStandard(request, webhook.secret)).not.toThrow();
  });

  it('fails a 400 after one attempt, without retrying', async () => {
    // Prepare
    const receiver = await aReceiver([{ status: 400, body: '{"error":"bad"}' }]);
    const webhook = await aWebhook(receiver);
    // Act
    await publish({ order_id: 'ord_400' });
    // Assess
    const delivery = await finalDelivery(webhook.id);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.attempts[0]!.status_code).toBe(400);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect(receiver.requests).toHaveLength(1);
  });

  it('waits the Retry-After of a 429 before the next attempt', async () => {
    // Prepare
    const receiver = await aReceiver([{ status: 429, headers: { 'retry-after': '3' } }, { status: 200 }]);
    const webhook = await aWebhook(receiver, { retry_policy: { intervals_seconds: [1] } });
    // Act
    await publish({ order_id: 'ord_429' });
    // Assess
    const delivery = await finalDelivery(webhook.id);
    expect(delivery.status).toBe('succeeded');
    const [first, second] = receiver.requests;
    expect(second!.receivedAt - first!.receivedAt).toBeGreaterThanOrEqual(2900);
  });

  it('times out a receiver that hangs and retries it', async () => {
    // Prepare
    const receiver = await aReceiver([{ hang: true }, { status: 200 }]);
    const webhook = await aWebhook(receiver, { timeout_seconds: 1 });
    // Act
    await publish({ order_id: 'ord_hang' });
    // Assess
    const delivery = await finalDelivery(webhook.id);
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts[0]!.status_code).toBeNull();
    expect(delivery.attempts[0]!.error).toMatch(/timeout/);
    expect(delivery.attempts[0]!.response_time_ms).toBeGreaterThanOrEqual(900);
  });

  it('disables the endpoint on 410 Gone and sends it nothing more', async () => {
    // Prepare
    const receiver = await aReceiver([{ status: 410 }]);
    const webhook = await aWebhook(receiver);
    // Act
    await publish({ order_id: 'ord_gone' });
    const delivery = await finalDelivery(webhook.id);
    await publish({ order_id: 'ord_after_gone' });
    await new Promise((resolve) => setTimeout(resolve, 1500));
    // Assess
    expect(delivery.status).toBe('failed');
    const after = (await runtime.tenant.get<WebhookResource>(`/v1/webhooks/${webhook.id}`)).body;
    expect(after.status).toBe('disabled');
    expect(after.disabled_reason).toMatch(/410/);
    expect(receiver.requests).toHaveLength(1);
  });

  it('sends once with max_retries 0', async () => {
    // Prepare
    const receiver = await aReceiver([{ status: 503 }]);
    const webhook = await aWebhook(receiver, { retry_policy: { max_retries: 0 } });
    // Act
    await publish({ order_id: 'ord_once' });
    // Assess
    const delivery = await finalDelivery(webhook.id);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts).toHaveLength(1);
    expect(delivery.failure_reason).toBe('exhausted');
  });

  it('marks an exhausted delivery failed and parks a copy in the dead-letter queue', async () => {
    // Prepare
    const receiver = await aReceiver([{ status: 500 }]);
    const webhook = await aWebhook(receiver, { retry_policy: { max_retries: 2, intervals_seconds: [1] } });
    // Act
    await publish({ order_id: 'ord_exhaust' });
    // Assess
    const delivery = await finalDelivery(webhook.id);
    expect(delivery.status).toBe('failed');
    expect(delivery.attempts).toHaveLength(3);
    const parked = await eventually(async () => {
      const received = await runtime.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: runtime.queueUrls.parked, MaxNumberOfMessages: 10 }),
      );
      const bodies = (received.Messages ?? []).map((message) => JSON.parse(message.Body ?? '{}'));
      return bodies.find((body) => body.payload?.deliveryId === delivery.id);
    });
    expect(parked.kind).toBe('exhausted_delivery');
    expect((await deliveriesOf(webhook.id, '?status=failed')).map((entry) => entry.id)).toEqual([
      delivery.id,
    ]);
  });

  it('retries a failed delivery on request and records the new attempt', async () => {
    // Prepare
    const receiver = await aReceiver([{ status: 400 }, { status: 200 }]);
    const webhook = await aWebhook(receiver);
    await publish({ order_id: 'ord_manual' });
    const failed = await finalDelivery(webhook.id);
    // Act
    const retry = await runtime.tenant.post(`/v1/deliveries/${failed.id}/retry`);
    // Assess
    expect(retry.status).toBe(202);
    const delivery = await finalDelivery(webhook.id);
    expect(delivery.status).toBe('succeeded');
    expect(delivery.attempts.map((attempt) => attempt.status_code)).toEqual([400, 200]);
  });

  it('re-queues every failed delivery with retry-failed', async () => {
    // Prepare
    const receiver = await aReceiver([{ status: 422 }, { status: 422 }, { status: 200 }]);
    const webhook = await aWebhook(receiver);
    await publish({ order_id: 'ord_rf_1' });
    await publish({ order_id: 'ord_rf_2' });
    await eventually(async () =>
      (await deliveriesOf(webhook.id, '?status=failed')).length === 2 ? true : undefined,
    );
    // Act
    const response = await runtime.tenant.post<{ queued: number }>(`/v1/webhooks/${webhook.id}/retry-failed`);
    // Assess
    expect(response.status).toBe(202);
    expect(response.body.queued).toBe(2);
    await eventually(async () =>
      (await deliveriesOf(webhook.id, '?status=succeeded')).length === 2 ? true : undefined,
    );
  });
});

describe('secrets, test sends, crashes', () => {
  it('signs with both secrets during a rotation grace period', async () => {
    // Prepare
    const receiver = await aReceiver();
    const webhook = await aWebhook(receiver);
    const rotated = await runtime.tenant.post<{ secret: string }>(
      `/v1/webhooks/${webhook.id}/rotate-secret`,
      {
        grace_period_seconds: 3600,
      },
    );
    // Act
    await publish({ order_id: 'ord_rotate' });
    // Assess
    await eventually(async () => (receiver.requests.length > 0 ? true : undefined));
    const request = receiver.requests[0]!;
    expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(() => verifyStandard(request, webhook.secret)).not.toThrow();
    expect(() => verifyStandard(request, rotated.body.secret)).not.toThrow();
  });

  it('sends a synchronous test event and keeps it in the history', async () => {
    // Prepare
    const receiver = await aReceiver([{ status: 200, body: '{"received":true}' }]);
    const webhook = await aWebhook(receiver);
    // Act
    const response = await runtime.tenant.post<{
      success: boolean;
      status_code: number;
      response_body: string;
      delivery_id: string;
    }>(`/v1/webhooks/${webhook.id}/test`, { event_type: 'order.created' });
    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      success: true,
      status_code: 200,
      response_body: '{"received":true}',
    });
    expect((await deliveriesOf(webhook.id)).map((delivery) => delivery.id)).toEqual([
      response.body.delivery_id,
    ]);
    const payload = verifyStandard(receiver.requests[0]!, webhook.secret) as { type: string };
    expect(payload.type).toBe('order.created');
  });

  it('redelivers the messages of a consumer that died mid-batch, each delivered once', async () => {
    // Prepare: five endpoints of a type no other test's endpoint takes (bar one subscribed to all),
    // so the event fans out to at most six jobs, sent in one SendMessageBatch and so received as
    // one batch by the single poller once the queue holds nothing else.
    const receiver = await aReceiver();
    const webhooks = [];
    for (const n of [1, 2, 3, 4, 5])
      webhooks.push(
        await aWebhook(receiver, { url: `${receiver.url}/crash/${n}`, events: ['recipient.signed'] }),
      );
    await eventually(async () => ((await deliveryQueueDepth()) === 0 ? true : undefined), 30_000);
    crashBatchFor = new Set(webhooks.map((webhook) => webhook.id));
    // Act
    const eventId = await publish({ order_id: 'ord_crash' }, { type: 'recipient.signed' });
    // Assess
    for (const webhook of webhooks)
      expect((await finalDelivery(webhook.id, 20_000)).status).toBe('succeeded');
    await new Promise((resolve) => setTimeout(resolve, 2500));
    expect(crashedBatchSize).toBe(5);
    const paths = receiver.requests.map((request) => request.path).sort();
    expect(paths).toEqual(['/crash/1', '/crash/2', '/crash/3', '/crash/4', '/crash/5']);
    expect(new Set(receiver.requests.map((request) => request.headers['webhook-id']))).toEqual(
      new Set([eventId]),
    );
    const redrive = await runtime.sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: runtime.queueUrls.deliveryDlq, AttributeNames: ['All'] }),
    );
    expect(redrive.Attributes?.ApproximateNumberOfMessages).toBe('0');
  });
});

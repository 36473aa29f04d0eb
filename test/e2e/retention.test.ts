import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { type Behaviour, Receiver } from '../support/receiver.js';

/**
 * Retention and deletion end to end: history older than the retention period is hidden by every read
 * even though the local engine (like DynamoDB, for a while) never removes it; deleting a webhook in the
 * middle of its retries stops them at once and removes its history, and nothing written afterwards
 * brings any of it back.
 */

interface ErrorBody {
  error: { code: string };
}
interface DeliverySummary {
  id: string;
  status: string;
}

const receivers: Receiver[] = [];

async function aReceiver(script?: Behaviour[]): Promise<Receiver> {
  const receiver = await Receiver.start(script);
  receivers.push(receiver);
  return receiver;
}

afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.stop()));
});

async function createWebhook(
  runtime: TestRuntime,
  receiver: Receiver,
  retryPolicy?: Record<string, unknown>,
) {
  const response = await runtime.tenant.post<{ id: string }>('/v1/webhooks', {
    name: 'retention',
    url: `${receiver.url}/hook`,
    events: ['order.created'],
    ...(retryPolicy ? { retry_policy: retryPolicy } : {}),
  });
  expect(response.status).toBe(201);
  return response.body.id;
}

async function publish(runtime: TestRuntime, data: Record<string, unknown>): Promise<string> {
  const response = await runtime.tenant.post<{ id: string }>('/v1/events', { type: 'order.created', data });
  expect(response.status).toBe(202);
  return response.body.id;
}

const deliveriesOf = (runtime: TestRuntime, webhookId: string) =>
  runtime.tenant.get<{ data: DeliverySummary[] }>(`/v1/webhooks/${webhookId}/deliveries`);

describe('retention (history expires after retentionDays)', () => {
  let runtime: TestRuntime;
  const RETENTION_SECONDS = 4;

  beforeAll(async () => {
    // Four seconds of retention: what is written expires while the test watches.
    runtime = await startTestRuntime({ retentionDays: RETENTION_SECONDS / 86_400 });
  });

  afterAll(async () => {
    await runtime?.dispose();
  });

  it('hides expired deliveries and payloads from every read, and keeps the counters', async () => {
    // Prepare
    const receiver = await aReceiver();
    const webhookId = await createWebhook(runtime, receiver);
    await publish(runtime, { order_id: 'ord_ttl' });
    const delivered = await eventually(async () => {
      const [delivery] = (await deliveriesOf(runtime, webhookId)).body.data;
      return delivery?.status === 'succeeded' ? delivery : undefined;
    });
    const before = await runtime.tenant.get<{ payload: unknown }>(`/v1/deliveries/${delivered.id}`);
    expect(before.status).toBe(200);
    expect(before.body.payload).toMatchObject({ data: { order_id: 'ord_ttl' } });

    // Act: the retention period passes (the engine keeps the items: reads must hide them)
    await eventually(
      async () => ((await deliveriesOf(runtime, webhookId)).body.data.length === 0 ? true : undefined),
      (RETENTION_SECONDS + 3) * 1000,
    );

    // Assess
    const detail = await runtime.tenant.get<ErrorBody>(`/v1/deliveries/${delivered.id}`);
    const retry = await runtime.tenant.post<ErrorBody>(`/v1/deliveries/${delivered.id}/retry`);
    const succeededOnly = await runtime.tenant.get<{ data: unknown[] }>(
      `/v1/webhooks/${webhookId}/deliveries?status=succeeded`,
    );
    expect([detail.status, detail.body.error.code]).toEqual([404, 'not_found']);
    expect([retry.status, retry.body.error.code]).toEqual([404, 'not_found']);
    expect(succeededOnly.body.data).toEqual([]);
    expect(
      await runtime.dependencies.events.getEvent(
        runtime.accountId,
        delivered.id.replace(/^dlv_(\w{26})_.*$/, 'evt_$1'),
      ),
    ).toBe(undefined);
    const stats = await runtime.tenant.get<{ all_time: { total_deliveries: number } }>(
      `/v1/webhooks/${webhookId}/stats`,
    );
    expect(stats.body.all_time.total_deliveries).toBe(1);
  });
});

describe('DELETE /v1/webhooks/{id}', () => {
  let runtime: TestRuntime;

  beforeAll(async () => {
    runtime = await startTestRuntime();
  });

  afterAll(async () => {
    await runtime?.dispose();
  });

  it('during in-flight retries: no further attempt is made, and the history is gone for good', async () => {
    // Prepare: an endpoint failing with 500, retried every second
    const receiver = await aReceiver([{ status: 500 }]);
    const webhookId = await createWebhook(runtime, receiver, { max_retries: 10, intervals_seconds: [1] });
    const keptReceiver = await aReceiver([{ status: 500 }]);
    const keptId = await createWebhook(runtime, keptReceiver, { max_retries: 10, intervals_seconds: [1] });
    await publish(runtime, { order_id: 'ord_deleted' });
    await eventually(async () => (receiver.requests.length >= 2 ? true : undefined));
    const [delivery] = (await deliveriesOf(runtime, webhookId)).body.data;

    // Act: deleted right after an attempt, with the next one already scheduled on the queue
    const deleted = await runtime.tenant.delete(`/v1/webhooks/${webhookId}`);
    const requestsAtDelete = receiver.requests.length;
    await new Promise((resolve) => setTimeout(resolve, 4500));

    // Assess: no more attempts, while the other endpoint goes on being retried
    expect(deleted.status).toBe(200);
    expect(receiver.requests).toHaveLength(requestsAtDelete);
    expect(keptReceiver.requests.length).toBeGreaterThanOrEqual(3);
    // The API: all of it is gone
    const api = await Promise.all([
      runtime.tenant.get<ErrorBody>(`/v1/deliveries/${delivery!.id}`),
      runtime.tenant.get<ErrorBody>(`/v1/webhooks/${webhookId}/deliveries`),
      runtime.tenant.get<ErrorBody>(`/v1/webhooks/${webhookId}/stats`),
    ]);
    expect(api.map((response) => response.status)).toEqual([404, 404, 404]);
    // The store: nothing came back after the delete (a job that was in flight wrote nothing)
    const deps = runtime.dependencies;
    expect(await deps.deliveries.getDelivery(delivery!.id)).toBeUndefined();
    expect(
      (await deps.deliveries.listDeliveries(runtime.accountId, webhookId, {}, { limit: 100 })).items,
    ).toEqual([]);
    expect(await deps.stats.get(webhookId)).toEqual({ totalDeliveries: 0, successful: 0, failed: 0 });
    expect(
      (await deps.historyPurges.listHistoryPurges(100)).map((request) => request.webhookId),
    ).not.toContain(webhookId);
    // The other endpoint's history is untouched
    expect((await deliveriesOf(runtime, keptId)).body.data).toHaveLength(1);
  });

  it('ends a job queued before the delete without sending it (endpoint gone before the first attempt)', async () => {
    // Prepare
    const receiver = await aReceiver();
    const webhookId = await createWebhook(runtime, receiver);
    // Act: publish and delete at once; fan-out may or may not have created the delivery yet
    await publish(runtime, { order_id: 'ord_race' });
    const deleted = await runtime.tenant.delete(`/v1/webhooks/${webhookId}`);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    // Assess: at most the one attempt that may have started before the delete, never a retry
    expect(deleted.status).toBe(200);
    expect(receiver.requests.length).toBeLessThanOrEqual(1);
    expect(await runtime.dependencies.stats.get(webhookId)).toEqual({
      totalDeliveries: 0,
      successful: 0,
      failed: 0,
    });
  });
});

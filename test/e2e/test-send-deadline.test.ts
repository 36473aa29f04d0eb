import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { synthesizeTopology } from '../../lib/local-topology.js';
import { aWebhookBody } from '../support/factories.js';
import { eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { Receiver } from '../support/receiver.js';

/**
 * The test send is bounded in time (issue 9). It runs inside the management function (10 s in the
 * stack) behind API Gateway (29 s), while an endpoint may wait up to 30 s: against a receiver that
 * hangs it must still answer in time, `success: false` with a timeout error, and leave the delivery
 * failed in the history, never pending. The runtime's management function gets a 3 s timeout here,
 * so the bound (its remaining time less the recording margin) is short.
 */

interface TestSendResult {
  readonly success: boolean;
  readonly delivery_id: string;
  readonly status_code: number | null;
  readonly error?: string;
}

interface DeliverySummary {
  readonly id: string;
  readonly status: string;
  readonly failure_reason: string | null;
}

interface DeliveryDetail extends DeliverySummary {
  readonly attempts: readonly { readonly status_code: number | null; readonly error: string | null }[];
}

const MANAGEMENT_TIMEOUT_MS = 3_000;

let runtime: TestRuntime;
const receivers: Receiver[] = [];

async function aHangingEndpoint(client = runtime.tenant): Promise<string> {
  const receiver = await Receiver.start([{ hang: true }]);
  receivers.push(receiver);
  const created = await client.post<{ id: string }>(
    '/v1/webhooks',
    aWebhookBody({ url: `${receiver.url}/hook`, timeout_seconds: 30 }),
  );
  expect(created.status).toBe(201);
  return created.body.id;
}

async function deliveriesOf(webhookId: string, client = runtime.tenant): Promise<DeliverySummary[]> {
  const page = await client.get<{ data: DeliverySummary[] }>(`/v1/webhooks/${webhookId}/deliveries`);
  expect(page.status).toBe(200);
  return page.body.data;
}

beforeAll(async () => {
  runtime = await startTestRuntime({ functionTimeoutsMs: { 'management-api': MANAGEMENT_TIMEOUT_MS } });
});

afterEach(async () => {
  await Promise.all(receivers.splice(0).map((receiver) => receiver.stop()));
});

afterAll(async () => {
  await runtime?.dispose();
});

describe('POST /v1/webhooks/{id}/test against a receiver that hangs', () => {
  it('answers in time with success false and a timeout error, whatever the endpoint timeout', async () => {
    // Prepare
    const webhookId = await aHangingEndpoint();
    const startedAt = Date.now();

    // Act
    const response = await runtime.tenant.post<TestSendResult>(`/v1/webhooks/${webhookId}/test`, {
      event_type: 'order.created',
    });

    // Assess
    expect(response.status).toBe(200);
    expect(Date.now() - startedAt).toBeLessThan(MANAGEMENT_TIMEOUT_MS);
    expect(response.body.success).toBe(false);
    expect(response.body.status_code).toBeNull();
    expect(response.body.error).toMatch(/^timeout: no complete response within \d+ ms/);
  });

  it('records the attempt as failed: the delivery in the history is final, not pending', async () => {
    // Prepare
    const webhookId = await aHangingEndpoint();

    // Act
    const response = await runtime.tenant.post<TestSendResult>(`/v1/webhooks/${webhookId}/test`, {});

    // Assess
    expect(response.status).toBe(200);
    const listed = await deliveriesOf(webhookId);
    expect(listed.map((delivery) => [delivery.id, delivery.status])).toEqual([
      [response.body.delivery_id, 'failed'],
    ]);
    const detail = await runtime.tenant.get<DeliveryDetail>(`/v1/deliveries/${response.body.delivery_id}`);
    expect(detail.body.status).toBe('failed');
    expect(detail.body.failure_reason).toBe('test_failed');
    expect(detail.body.attempts).toHaveLength(1);
    expect(detail.body.attempts[0]?.error).toMatch(/^timeout/);
  });
});

describe('a test send whose request is cut off', () => {
  let gateway: TestRuntime;

  beforeAll(async () => {
    // The gateway gives up after 2 s while the function (10 s, as deployed) still waits for the
    // receiver: the request is aborted mid-send, as when API Gateway or Lambda cut it off. Long
    // enough that the webhook's own create never meets the limit on a loaded machine.
    gateway = await startTestRuntime({ integrationTimeoutMs: 2_000 });
  });

  afterAll(async () => {
    await gateway?.dispose();
  });

  it('leaves its delivery failed, never pending, then records the attempt once it ends', async () => {
    // Prepare
    const webhookId = await aHangingEndpoint(gateway.tenant);

    // Act
    const response = await gateway.tenant.post(`/v1/webhooks/${webhookId}/test`, {});
    const whileCutOff = await deliveriesOf(webhookId, gateway.tenant);
    await Promise.all(receivers.splice(0).map((receiver) => receiver.stop()));

    // Assess
    expect(response.status).toBe(504);
    expect(response.body).toEqual({ message: 'Endpoint request timed out' });
    expect(whileCutOff.map((delivery) => [delivery.status, delivery.failure_reason])).toEqual([
      ['failed', 'test_interrupted'],
    ]);
    const deliveryId = whileCutOff[0]?.id ?? '';
    const settled = await eventually(async () => {
      const detail = await gateway.tenant.get<DeliveryDetail>(`/v1/deliveries/${deliveryId}`);
      return detail.body.attempts.length > 0 ? detail.body : undefined;
    });
    expect(settled.status).toBe('failed');
    expect(settled.attempts).toHaveLength(1);
  });
});

describe('the function timeouts the local twin enforces', () => {
  it('are the synthesized stack’s', () => {
    // Prepare
    const topology = synthesizeTopology();

    // Act
    const timeouts = Object.fromEntries(
      Object.entries(topology.functions).map(([name, fn]) => [name, fn.timeoutSeconds]),
    );

    // Assess
    expect(timeouts).toMatchObject({ 'management-api': 10, 'publish-api': 10, 'admin-api': 10, deliver: 60 });
  });
});

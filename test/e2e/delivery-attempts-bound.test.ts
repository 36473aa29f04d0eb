import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { Receiver } from '../support/receiver.js';

/**
 * A delivery retried by hand more often than its item keeps attempts (50), end to end: every retry
 * sends one request, and GET /v1/deliveries/{id} shows the newest 50 attempts, the true total and
 * that older ones were trimmed (worst-case attempt sizes: integration/delivery-attempts-bound).
 */

const RETRIES = 120;

interface DeliveryBody {
  id: string;
  status: 'pending' | 'succeeded' | 'failed';
  attempt_count: number;
  attempts_truncated: boolean;
  attempts: { attempt: number; status_code: number | null; response_body: string | null }[];
}

let runtime: TestRuntime;
let receiver: Receiver;

beforeAll(async () => {
  runtime = await startTestRuntime();
  receiver = await Receiver.start([{ status: 500, body: '{"error":"down"}' }]);
});

afterAll(async () => {
  await receiver?.stop();
  await runtime?.dispose();
});

describe('manual retries beyond the attempts a delivery keeps', () => {
  it(`keeps working for ${RETRIES} retries and reads back the newest 50 attempts with the true total`, async () => {
    // Prepare: an endpoint that always fails, no automatic retry; one failed delivery
    const client = runtime.tenant;
    const webhook = await client.post<{ id: string }>('/v1/webhooks', {
      name: 'always down',
      url: receiver.url,
      events: ['order.created'],
      retry_policy: { max_retries: 0 },
      // No escalation (which would disable the endpoint) within these failures.
      alerting: { failure_threshold: 100 },
    });
    expect(webhook.status).toBe(201);
    expect((await client.post('/v1/events', { type: 'order.created', data: { n: 1 } })).status).toBe(202);
    const deliveryId = await eventually(async () => {
      const page = await client.get<{ data: { id: string; status: string }[] }>(
        `/v1/webhooks/${webhook.body.id}/deliveries?status=failed`,
      );
      return page.body.data[0]?.id;
    });
    const read = () => client.get<DeliveryBody>(`/v1/deliveries/${deliveryId}`);
    const first = await read();
    // Act
    const requestsPerRetry: number[] = [];
    for (let retry = 1; retry <= RETRIES; retry++) {
      const before = receiver.requests.length;
      const queued = await client.post<{ status: string }>(`/v1/deliveries/${deliveryId}/retry`);
      expect([queued.status, queued.body.status]).toEqual([202, 'pending']);
      await eventually(
        async () => {
          const current = await read();
          return current.body.status === 'failed' && current.body.attempt_count === retry + 1
            ? true
            : undefined;
        },
        15_000,
        20,
      );
      requestsPerRetry.push(receiver.requests.length - before);
    }
    const last = await read();
    // Assess
    expect(first.body).toMatchObject({ attempt_count: 1, attempts_truncated: false });
    expect(first.body.attempts).toHaveLength(1);
    expect(requestsPerRetry).toEqual(Array<number>(RETRIES).fill(1));
    expect(last.status).toBe(200);
    expect(last.body).toMatchObject({
      status: 'failed',
      attempt_count: RETRIES + 1,
      attempts_truncated: true,
    });
    expect(last.body.attempts.map((attempt) => attempt.attempt)).toEqual(
      Array.from({ length: 50 }, (_, index) => RETRIES + 2 - 50 + index),
    );
    expect(last.body.attempts.at(-1)).toMatchObject({ status_code: 500, response_body: '{"error":"down"}' });
    expect(receiver.requests).toHaveLength(RETRIES + 1);
  });
});

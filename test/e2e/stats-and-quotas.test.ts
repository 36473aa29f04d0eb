import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  type ApiResponse,
  eventually,
  startTestRuntime,
  type TestRuntime,
} from '../support/local-runtime.js';
import { Receiver } from '../support/receiver.js';

/**
 * Stats and plan quotas end to end. Stats: after a mixed run (2xx, 4xx, 5xx then 2xx, a test send, a
 * manual retry) GET /v1/webhooks/{id}/stats equals what GET deliveries shows, the test send counted
 * apart (`test_sends`, in neither the live counters nor the window). Quotas: a deployment
 * with small limits (scale = 3 webhooks, 5 events a day) at limit−1, limit and limit+1, for both
 * ways in (POST /v1/events and PutEvents straight onto the bus).
 */

const SMALL_LIMITS = { scale: { maxWebhooks: 3, maxEventsPerDay: 5 } };

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}
interface DeliverySummary {
  id: string;
  event_id: string;
  status: 'pending' | 'succeeded' | 'failed';
  test: boolean;
}
interface DeliveryDetail extends DeliverySummary {
  attempts: { status_code: number | null; response_time_ms: number }[];
}
interface StatsWindow {
  total_deliveries: number;
  successful: number;
  failed: number;
  success_rate: number;
  avg_response_time_ms: number | null;
}
interface StatsBody {
  webhook_id: string;
  /** `deliveries`: the deprecated name of `total_deliveries`. */
  last_24h: StatsWindow & { deliveries: number };
  all_time: StatsWindow;
  test_sends: { total: number; successful: number; failed: number };
}
interface UsageBody {
  plan: string;
  limits: { max_webhooks: number | null; max_events_per_day: number | null };
  webhooks: number;
  events_today: number;
  dropped_today: number;
  day: string;
}

let runtime: TestRuntime;
const receivers: Receiver[] = [];

beforeAll(async () => {
  runtime = await startTestRuntime({ planLimits: SMALL_LIMITS });
});

afterAll(async () => {
  await Promise.all(receivers.map((receiver) => receiver.stop()));
  await runtime?.dispose();
});

async function aReceiver(): Promise<Receiver> {
  const receiver = await Receiver.start();
  receivers.push(receiver);
  return receiver;
}

async function createWebhook(client: ApiClient, url: string, overrides: Record<string, unknown> = {}) {
  const response = await client.post<{ id: string }>('/v1/webhooks', {
    name: 'stats',
    url,
    events: ['order.created'],
    retry_policy: { max_retries: 3, intervals_seconds: [1] },
    ...overrides,
  });
  expect(response.status).toBe(201);
  return response.body.id;
}

/** A fresh account on the scale plan with a key of every tenant scope. */
async function aScaleAccount(): Promise<{ accountId: string; client: ApiClient }> {
  const account = await runtime.admin.post<{ id: string; plan: string }>('/v1/admin/accounts', {
    name: 'Small',
  });
  expect(account.body.plan).toBe('scale');
  const key = await runtime.admin.post<{ key: string }>(`/v1/admin/accounts/${account.body.id}/api-keys`, {
    scopes: ['webhooks:read', 'webhooks:write', 'events:publish'],
  });
  return { accountId: account.body.id, client: runtime.tenant.withToken(key.body.key) };
}

const deliveriesOf = async (client: ApiClient, webhookId: string): Promise<DeliverySummary[]> => {
  const all: DeliverySummary[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : '?limit=100';
    const page: ApiResponse<{ data: DeliverySummary[]; next_cursor: string | null }> = await client.get(
      `/v1/webhooks/${webhookId}/deliveries${query}`,
    );
    expect(page.status).toBe(200);
    all.push(...page.body.data);
    cursor = page.body.next_cursor;
  } while (cursor);
  return all;
};

const usageOf = async (client: ApiClient): Promise<UsageBody> => {
  const response = await client.get<UsageBody>('/v1/usage');
  expect(response.status).toBe(200);
  return response.body;
};

/** What the stats must say, derived from the delivery history alone. */
async function statsFromHistory(webhookId: string) {
  const summaries = await deliveriesOf(runtime.tenant, webhookId);
  const all = await Promise.all(
    summaries.map(
      async (summary) =>
        (await runtime.tenant.get<DeliveryDetail>(`/v1/deliveries/${summary.id}`)).body as DeliveryDetail,
    ),
  );
  const details = all.filter((delivery) => !delivery.test);
  const tests = all.filter((delivery) => delivery.test && delivery.status !== 'pending');
  const testSuccessful = tests.filter((delivery) => delivery.status === 'succeeded').length;
  const successful = details.filter((delivery) => delivery.status === 'succeeded').length;
  const failed = details.filter((delivery) => delivery.status === 'failed').length;
  const attempts = details.flatMap((delivery) => delivery.attempts);
  const total = successful + failed;
  const rate = total === 0 ? 0 : Math.round((successful / total) * 1000) / 10;
  const counts = { total_deliveries: total, successful, failed, success_rate: rate };
  const window: StatsWindow = {
    ...counts,
    avg_response_time_ms:
      attempts.length === 0
        ? null
        : Math.round(attempts.reduce((sum, attempt) => sum + attempt.response_time_ms, 0) / attempts.length),
  };
  return {
    pending: details.filter((delivery) => delivery.status === 'pending').length,
    last24h: { ...window, deliveries: total },
    allTime: window,
    counts,
    testSends: { total: tests.length, successful: testSuccessful, failed: tests.length - testSuccessful },
  };
}

/**
 * A receiver that answers by the event's `data.outcome`: `ok` 200, `reject` 400 (200 once
 * `acceptRejected` is set), `flaky` 500 the first time an event comes, 200 after.
 */
class ScriptedReceiver {
  acceptRejected = false;
  readonly seen = new Map<string, number>();
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(): Promise<ScriptedReceiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new ScriptedReceiver(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    );
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          id: string;
          data: { outcome?: string };
        };
        const times = (receiver.seen.get(body.id) ?? 0) + 1;
        receiver.seen.set(body.id, times);
        const outcome = body.data.outcome ?? 'ok';
        const status =
          outcome === 'reject'
            ? receiver.acceptRejected
              ? 200
              : 400
            : outcome === 'flaky' && times === 1
              ? 500
              : 200;
        response.writeHead(status, { 'content-type': 'application/json' });
        response.end(JSON.stringify({ status }));
      });
    });
    return receiver;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

describe('GET /v1/webhooks/{id}/stats', () => {
  let scripted: ScriptedReceiver;

  beforeAll(async () => {
    scripted = await ScriptedReceiver.start();
  });

  afterAll(async () => {
    await scripted.stop();
  });

  it('equals the recorded history after a mixed run, and still after a manual retry', async () => {
    // Prepare
    const webhookId = await createWebhook(runtime.tenant, scripted.url);
    const outcomes = ['ok', 'ok', 'ok', 'reject', 'reject', 'flaky', 'flaky'];
    // Act: seven events, and a test send
    for (const [index, outcome] of outcomes.entries()) {
      const published = await runtime.tenant.post('/v1/events', {
        type: 'order.created',
        data: { order_id: `ord_${index}`, outcome },
      });
      expect(published.status).toBe(202);
    }
    const sent = await runtime.tenant.post<{ success: boolean }>(`/v1/webhooks/${webhookId}/test`, {});
    expect(sent.body.success).toBe(true);
    // Assess: once every delivery is final, the counters equal what the history shows
    const expected = await eventually(async () => {
      const derived = await statsFromHistory(webhookId);
      return derived.pending === 0 && derived.last24h.deliveries === 7 ? derived : undefined;
    });
    expect(expected.last24h).toMatchObject({ deliveries: 7, successful: 5, failed: 2, success_rate: 71.4 });
    expect(expected.testSends).toEqual({ total: 1, successful: 1, failed: 0 });
    const stats = await eventually(async () => {
      const response = await runtime.tenant.get<StatsBody>(`/v1/webhooks/${webhookId}/stats`);
      return response.body.all_time.total_deliveries === 7 ? response : undefined;
    });
    expect(stats.status).toBe(200);
    expect(stats.body).toEqual({
      webhook_id: webhookId,
      last_24h: expected.last24h,
      all_time: expected.allTime,
      test_sends: expected.testSends,
    });
    expect(stats.body.last_24h.avg_response_time_ms).toEqual(expect.any(Number));
    const webhook = await runtime.tenant.get<{ stats: unknown }>(`/v1/webhooks/${webhookId}`);
    expect(webhook.body.stats).toEqual(expected.counts);

    // Act: the receiver is fixed, and one rejected delivery is retried by hand
    scripted.acceptRejected = true;
    const failed = (await deliveriesOf(runtime.tenant, webhookId)).find(
      (delivery) => delivery.status === 'failed',
    );
    expect((await runtime.tenant.post(`/v1/deliveries/${failed!.id}/retry`)).status).toBe(202);
    // Assess: one delivery moved from failed to succeeded, the total did not grow
    const afterRetry = await eventually(async () => {
      const derived = await statsFromHistory(webhookId);
      return derived.pending === 0 && derived.last24h.successful === 6 ? derived : undefined;
    });
    const restats = await eventually(async () => {
      const response = await runtime.tenant.get<StatsBody>(`/v1/webhooks/${webhookId}/stats`);
      return response.body.all_time.successful === 6 ? response.body : undefined;
    });
    expect(restats).toEqual({
      webhook_id: webhookId,
      last_24h: afterRetry.last24h,
      all_time: afterRetry.allTime,
      test_sends: afterRetry.testSends,
    });
    expect(restats.all_time).toMatchObject({
      total_deliveries: 7,
      successful: 6,
      failed: 1,
      success_rate: 85.7,
    });
  });

  it('is all zeros, with no average, for a webhook with no deliveries yet', async () => {
    // Prepare
    const receiver = await aReceiver();
    const webhookId = await createWebhook(runtime.tenant, receiver.url);
    const empty = {
      total_deliveries: 0,
      successful: 0,
      failed: 0,
      success_rate: 0,
      avg_response_time_ms: null,
    };
    // Act
    const response = await runtime.tenant.get<StatsBody>(`/v1/webhooks/${webhookId}/stats`);
    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      webhook_id: webhookId,
      last_24h: { ...empty, deliveries: 0 },
      all_time: empty,
      test_sends: { total: 0, successful: 0, failed: 0 },
    });
  });

  it("answers 404 for another account's webhook exactly as for a missing one", async () => {
    // Prepare
    const receiver = await aReceiver();
    const webhookId = await createWebhook(runtime.tenant, receiver.url);
    const { client: other } = await aScaleAccount();
    // Act
    const foreign = await other.get<ErrorBody>(`/v1/webhooks/${webhookId}/stats`);
    const missing = await other.get<ErrorBody>('/v1/webhooks/wh_doesnotexist/stats');
    // Assess
    expect(foreign.status).toBe(404);
    expect(foreign.body).toEqual(missing.body);
  });

  it('needs the webhooks:read scope', async () => {
    // Prepare
    const receiver = await aReceiver();
    const webhookId = await createWebhook(runtime.tenant, receiver.url);
    const key = await runtime.admin.post<{ key: string }>(
      `/v1/admin/accounts/${runtime.accountId}/api-keys`,
      {
        scopes: ['events:publish'],
      },
    );
    const publishOnly = runtime.tenant.withToken(key.body.key);
    // Act
    const stats = await publishOnly.get<ErrorBody>(`/v1/webhooks/${webhookId}/stats`);
    const usage = await publishOnly.get<ErrorBody>('/v1/usage');
    // Assess
    expect([stats.status, stats.body.error.code, usage.status, usage.body.error.code]).toEqual([
      403,
      'forbidden',
      403,
      'forbidden',
    ]);
  });
});

describe('plan quotas (scale limited to 3 webhooks and 5 events a day in this deployment)', () => {
  it('reports the plan, its limits and the usage; enterprise is unlimited (null)', async () => {
    // Prepare
    const { client } = await aScaleAccount();
    // Act
    const scale = await usageOf(client);
    const enterprise = await usageOf(runtime.tenant);
    // Assess
    expect(scale).toEqual({
      plan: 'scale',
      limits: { max_webhooks: 3, max_events_per_day: 5 },
      webhooks: 0,
      events_today: 0,
      dropped_today: 0,
      day: new Date().toISOString().slice(0, 10),
    });
    expect(enterprise).toMatchObject({
      plan: 'enterprise',
      limits: { max_webhooks: null, max_events_per_day: null },
    });
  });

  it('creates webhooks up to the limit and refuses the next with 403 plan_limit_exceeded, writing nothing', async () => {
    // Prepare
    const { client } = await aScaleAccount();
    const receiver = await aReceiver();
    await createWebhook(client, receiver.url);
    await createWebhook(client, receiver.url); // limit−1 exist
    // Act
    const atLimit = await client.post<{ id: string }>('/v1/webhooks', {
      name: 'third',
      url: receiver.url,
      events: ['order.created'],
    });
    const beyond = await client.post<ErrorBody>('/v1/webhooks', {
      name: 'fourth',
      url: receiver.url,
      events: ['order.created'],
    });
    // Assess
    expect(atLimit.status).toBe(201);
    expect(beyond.status).toBe(403);
    expect(beyond.body.error).toMatchObject({
      code: 'plan_limit_exceeded',
      message: expect.stringMatching(/scale plan allows 3 webhooks/),
      details: { plan: 'scale', max_webhooks: 3, webhooks: 3 },
    });
    const listed = await client.get<{ data: { name: string }[] }>('/v1/webhooks?limit=100');
    expect(listed.body.data.map((webhook) => webhook.name)).not.toContain('fourth');
    expect((await usageOf(client)).webhooks).toBe(3);

    // Act: deleting one makes room again
    expect((await client.delete(`/v1/webhooks/${atLimit.body.id}`)).status).toBe(200);
    const again = await client.post('/v1/webhooks', { name: 'again', url: receiver.url, events: [] });
    // Assess
    expect(again.status).toBe(201);
  });

  it('delivers events up to the daily limit, answers 429 beyond it, and drops what comes on the bus', async () => {
    // Prepare
    const { accountId, client } = await aScaleAccount();
    const receiver = await aReceiver();
    const webhookId = await createWebhook(client, receiver.url);
    const publish = (index: number) =>
      client.post<{ id: string } & ErrorBody>('/v1/events', { type: 'order.created', data: { index } });
    // Act: limit−1 events
    for (let index = 0; index < 4; index++) expect((await publish(index)).status).toBe(202);
    await eventually(async () => (receiver.requests.length === 4 ? true : undefined));
    const belowLimit = await usageOf(client);
    // Act: the limit
    expect((await publish(4)).status).toBe(202);
    await eventually(async () => ((await usageOf(client)).events_today === 5 ? true : undefined));
    // Act: limit+1, through the API
    const refused = await publish(5);
    // Act: limit+2, straight onto the bus (no API in front to refuse it)
    const bus = new EventBridgeClient({ endpoint: runtime.eventBridgeEndpoint, region: 'us-east-1' });
    const put = await bus.send(
      new PutEventsCommand({
        Entries: [
          {
            EventBusName: 'webhooks-local',
            Source: 'orders-service',
            DetailType: 'order.created',
            Detail: JSON.stringify({ account_id: accountId, data: { index: 6 } }),
          },
        ],
      }),
    );
    // Assess
    expect(belowLimit).toMatchObject({ events_today: 4, dropped_today: 0 });
    expect(refused.status).toBe(429);
    expect(refused.body.error).toMatchObject({
      code: 'quota_exceeded',
      details: {
        plan: 'scale',
        max_events_per_day: 5,
        events_today: 5,
        resets_at: expect.stringMatching(/T00:00:00\.000Z$/),
      },
    });
    expect(put.FailedEntryCount).toBe(0);
    const final = await eventually(async () => {
      const usage = await usageOf(client);
      return usage.dropped_today === 2 ? usage : undefined;
    });
    expect(final).toMatchObject({ events_today: 5, dropped_today: 2 });
    await new Promise((resolve) => setTimeout(resolve, 1000));
    expect(receiver.requests).toHaveLength(5);
    expect(await deliveriesOf(client, webhookId)).toHaveLength(5);
  });

  it('admits exactly the limit from a burst fan-out has not counted yet, each event to every endpoint or none', async () => {
    // Prepare: two endpoints, so a partly delivered event would show
    const { client } = await aScaleAccount();
    const [first, second] = [await aReceiver(), await aReceiver()];
    const webhookIds = [await createWebhook(client, first.url), await createWebhook(client, second.url)];
    // Act: eight events at once; the API's up-front check sees none of them counted yet
    const responses = await Promise.all(
      Array.from({ length: 8 }, (_, index) =>
        client.post('/v1/events', { type: 'order.created', data: { burst: index } }),
      ),
    );
    // Assess
    const accepted = responses.filter((response) => response.status === 202).length;
    expect(accepted + responses.filter((response) => response.status === 429).length).toBe(8);
    const usage = await eventually(async () => {
      const current = await usageOf(client);
      return current.events_today + current.dropped_today === 8 ? current : undefined;
    });
    expect(usage).toMatchObject({ events_today: 5, dropped_today: 3 });
    await eventually(async () =>
      first.requests.length === 5 && second.requests.length === 5 ? true : undefined,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const idsAt = (receiver: Receiver) =>
      receiver.requests.map((request) => request.headers['webhook-id']).sort();
    expect(first.requests).toHaveLength(5);
    expect(idsAt(first)).toEqual(idsAt(second));
    for (const webhookId of webhookIds) expect(await deliveriesOf(client, webhookId)).toHaveLength(5);
  });
});

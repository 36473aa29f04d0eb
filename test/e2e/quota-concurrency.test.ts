import { DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type ApiClient,
  type ApiResponse,
  eventually,
  listAllWebhooks,
  startTestRuntime,
  type TestRuntime,
} from '../support/local-runtime.js';
import { Receiver } from '../support/receiver.js';

/**
 * Plan quotas are exact under concurrency, end to end on the local runtime: parallel creates at the
 * webhook limit (scale's default 20), also for an account stored before the counter; parallel deletes
 * of one webhook; bad input at the limit; parallel publishes with a few events left in the day (pro
 * limited to 6 events a day here).
 */

const EVENTS_PER_DAY = 6;

interface ErrorBody {
  error: { code: string; message: string; details?: Record<string, unknown> };
}
interface UsageBody {
  webhooks: number;
  events_today: number;
  dropped_today: number;
}

let runtime: TestRuntime;
let receiver: Receiver;

beforeAll(async () => {
  runtime = await startTestRuntime({ planLimits: { pro: { maxEventsPerDay: EVENTS_PER_DAY } } });
  receiver = await Receiver.start();
});

afterAll(async () => {
  await receiver?.stop();
  await runtime?.dispose();
});

async function anAccountWithId(plan: 'scale' | 'pro'): Promise<{ accountId: string; client: ApiClient }> {
  const account = await runtime.admin.post<{ id: string }>('/v1/admin/accounts', { name: 'Quota', plan });
  expect(account.status).toBe(201);
  const key = await runtime.admin.post<{ key: string }>(`/v1/admin/accounts/${account.body.id}/api-keys`, {
    scopes: ['webhooks:read', 'webhooks:write', 'events:publish'],
  });
  return { accountId: account.body.id, client: runtime.tenant.withToken(key.body.key) };
}

const anAccountOn = async (plan: 'scale' | 'pro'): Promise<ApiClient> => (await anAccountWithId(plan)).client;

const createBody = (name: string) => ({ name, url: receiver.url, events: ['order.created'] });

async function withWebhooks(client: ApiClient, count: number): Promise<string[]> {
  const ids: string[] = [];
  for (let index = 0; index < count; index++) {
    const response = await client.post<{ id: string }>('/v1/webhooks', createBody(`existing-${index}`));
    expect(response.status).toBe(201);
    ids.push(response.body.id);
  }
  return ids;
}

const createInParallel = (client: ApiClient, count: number) =>
  Promise.all(
    Array.from({ length: count }, (_, index) =>
      client.post<{ id: string } & ErrorBody>('/v1/webhooks', createBody(`parallel-${index}`)),
    ),
  );

const statuses = (responses: readonly ApiResponse<unknown>[]): number[] =>
  responses.map((response) => response.status).sort();

const usageOf = async (client: ApiClient): Promise<UsageBody> =>
  (await client.get<UsageBody>('/v1/usage')).body;

describe('webhooks per account under concurrency (scale: 20)', () => {
  it('of 20 parallel creates at 19 of 20, exactly one is created and the rest get plan_limit_exceeded', async () => {
    // Prepare
    const client = await anAccountOn('scale');
    await withWebhooks(client, 19);
    // Act
    const responses = await createInParallel(client, 20);
    // Assess
    expect(statuses(responses)).toEqual([201, ...Array<number>(19).fill(403)]);
    for (const refused of responses.filter((response) => response.status === 403)) {
      expect(refused.body.error).toMatchObject({
        code: 'plan_limit_exceeded',
        message: expect.stringMatching(/^The scale plan allows 20 webhooks and this account has 20/),
        details: { plan: 'scale', max_webhooks: 20, webhooks: 20 },
      });
    }
    expect(await listAllWebhooks(client)).toHaveLength(20);
    expect((await usageOf(client)).webhooks).toBe(20);
  });

  it('counts an account stored before the counter (no webhook_count) from its webhooks, not from zero', async () => {
    // Prepare: 19 webhooks, then the account item as an older version wrote it
    const { client, accountId } = await anAccountWithId('scale');
    await withWebhooks(client, 19);
    const engine = new DynamoDBClient({ endpoint: runtime.engines.dynamoDbEndpoint, region: 'us-east-1' });
    try {
      await engine.send(
        new UpdateItemCommand({
          TableName: runtime.engines.tables.config,
          Key: { pk: { S: `ACCOUNT#${accountId}` }, sk: { S: '#ACCOUNT' } },
          UpdateExpression: 'REMOVE webhook_count, webhook_count_at, webhook_count_since',
        }),
      );
    } finally {
      engine.destroy();
    }
    // Act
    const responses = await createInParallel(client, 20);
    // Assess
    expect(statuses(responses)).toEqual([201, ...Array<number>(19).fill(403)]);
    expect(await listAllWebhooks(client)).toHaveLength(20);
  });

  it('gives the slot back on delete: at the limit, delete one, and one of 10 parallel creates fits again', async () => {
    // Prepare
    const client = await anAccountOn('scale');
    const [first] = await withWebhooks(client, 20);
    // Act
    const deleted = await client.delete(`/v1/webhooks/${first}`);
    const responses = await createInParallel(client, 10);
    // Assess
    expect(deleted.status).toBe(200);
    expect(statuses(responses)).toEqual([201, ...Array<number>(9).fill(403)]);
    expect(await listAllWebhooks(client)).toHaveLength(20);
  });

  it('releases one slot when 5 deletes of the same webhook race', async () => {
    // Prepare
    const client = await anAccountOn('scale');
    const [first] = await withWebhooks(client, 20);
    // Act
    const deletes = await Promise.all(
      Array.from({ length: 5 }, () => client.delete<ErrorBody>(`/v1/webhooks/${first}`)),
    );
    const creates = await createInParallel(client, 5);
    // Assess
    expect(statuses(deletes)).toEqual([200, 404, 404, 404, 404]);
    for (const missing of deletes.filter((response) => response.status === 404)) {
      expect(missing.body.error.code).toBe('not_found');
    }
    expect(statuses(creates)).toEqual([201, 403, 403, 403, 403]);
    expect(await listAllWebhooks(client)).toHaveLength(20);
  });

  it('takes no slot for a create refused as bad input', async () => {
    // Prepare
    const client = await anAccountOn('scale');
    await withWebhooks(client, 19);
    // Act
    const bad = await Promise.all([
      client.post<ErrorBody>('/v1/webhooks', { ...createBody('bad url'), url: 'not a url' }),
      client.post<ErrorBody>('/v1/webhooks', { ...createBody('bad type'), events: ['no.such.type'] }),
      client.post<ErrorBody>('/v1/webhooks', {
        ...createBody('bad header'),
        headers: { 'webhook-id': 'forged' },
      }),
      client.post<ErrorBody>('/v1/webhooks', '{"name":'),
    ]);
    const last = await client.post('/v1/webhooks', createBody('the 20th'));
    const beyond = await client.post<ErrorBody>('/v1/webhooks', createBody('the 21st'));
    // Assess
    for (const response of bad) {
      expect(response.status).toBe(400);
      expect(response.body.error.code).toMatch(/^(validation_error|invalid_json)$/);
    }
    expect(last.status).toBe(201);
    expect([beyond.status, beyond.body.error.code]).toEqual([403, 'plan_limit_exceeded']);
    expect((await usageOf(client)).webhooks).toBe(20);
  });
});

describe(`events per day under concurrency (pro: ${EVENTS_PER_DAY} here)`, () => {
  it('of 12 parallel publishes with 2 left in the day, exactly 2 are delivered and the rest counted dropped', async () => {
    // Prepare: one endpoint, 4 of the 6 events used
    const client = await anAccountOn('pro');
    const endpoint = await Receiver.start();
    try {
      const webhook = await client.post<{ id: string }>('/v1/webhooks', {
        ...createBody('events'),
        url: endpoint.url,
      });
      expect(webhook.status).toBe(201);
      for (let index = 0; index < 4; index++) {
        const published = await client.post('/v1/events', { type: 'order.created', data: { index } });
        expect(published.status).toBe(202);
      }
      await eventually(async () => ((await usageOf(client)).events_today === 4 ? true : undefined));
      // Act
      const responses = await Promise.all(
        Array.from({ length: 12 }, (_, index) =>
          client.post<ErrorBody>('/v1/events', { type: 'order.created', data: { burst: index } }),
        ),
      );
      // Assess
      const accepted = responses.filter((response) => response.status === 202);
      const refused = responses.filter((response) => response.status === 429);
      expect(accepted.length + refused.length).toBe(12);
      expect(accepted.length).toBeGreaterThanOrEqual(2);
      for (const response of refused) expect(response.body.error.code).toBe('quota_exceeded');
      const usage = await eventually(async () => {
        const current = await usageOf(client);
        return current.events_today + current.dropped_today === 16 ? current : undefined;
      });
      expect(usage).toMatchObject({ events_today: EVENTS_PER_DAY, dropped_today: 10 });
      await eventually(async () => (endpoint.requests.length === EVENTS_PER_DAY ? true : undefined));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      expect(endpoint.requests).toHaveLength(EVENTS_PER_DAY);
      const bursts = endpoint.requests.filter((request) => request.body.includes('"burst"'));
      expect(bursts).toHaveLength(2);
    } finally {
      await endpoint.stop();
    }
  });
});

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookResource } from '../../lambdas/domain/resources.js';
import {
  type ApiClient,
  type ApiResponse,
  eventually,
  startTestRuntime,
  type TestRuntime,
} from '../support/local-runtime.js';
import { Receiver } from '../support/receiver.js';

/**
 * Tenant isolation and API-key scopes end to end: one account's key never sees or touches another
 * account's data (404, exactly as for an id that does not exist), a key without the needed scope
 * gets 403 and changes nothing, and a request without a valid key gets 401.
 */

interface CreatedWebhook extends WebhookResource {
  readonly secret: string;
}
interface WebhookPage {
  readonly data: WebhookResource[];
  readonly next_cursor: string | null;
}
interface DeliverySummary {
  readonly id: string;
  readonly webhook_id: string;
  readonly event_id: string;
  readonly status: string;
}
interface DeliveryDetail extends Omit<DeliverySummary, 'attempts'> {
  readonly attempts: unknown[];
  readonly attempt_count: number;
}
interface TestSendResult {
  readonly success: boolean;
  readonly delivery_id: string;
}
interface ApiKeyBody {
  readonly key: string;
}
interface ErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly details?: unknown };
}

function aWebhookBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'Orders endpoint',
    url: 'https://example.com/hooks',
    events: ['order.created'],
    ...overrides,
  };
}

function expectError(response: ApiResponse<ErrorBody>, status: number, code: string): void {
  expect(response.status).toBe(status);
  expect(response.body.error.code).toBe(code);
  expect(typeof response.body.error.message).toBe('string');
  expect(JSON.stringify(response.body)).not.toMatch(/\n\s+at |\.ts:\d+|node_modules|\/work\//);
}

const withoutSecret = ({ secret: _secret, ...resource }: CreatedWebhook): WebhookResource => resource;

async function listAll(client: ApiClient): Promise<WebhookResource[]> {
  const all: WebhookResource[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : '?limit=100';
    const page: ApiResponse<WebhookPage> = await client.get<WebhookPage>(`/v1/webhooks${query}`);
    expect(page.status).toBe(200);
    all.push(...page.body.data);
    cursor = page.body.next_cursor;
  } while (cursor);
  return all;
}

describe('tenant isolation and scopes', () => {
  let runtime: TestRuntime;
  let receiverA: Receiver;
  let receiverB: Receiver;
  /** Account A: the runtime's own account, every scope. */
  let tenantA: ApiClient;
  /** Account B: a second account made through the admin API, every scope. */
  let tenantB: ApiClient;
  let webhookA: WebhookResource;
  let webhookB: WebhookResource;
  let deliveryIdA: string;

  const issueKey = async (accountId: string, scopes: string[]): Promise<ApiClient> => {
    const issued = await runtime.admin.post<ApiKeyBody>(`/v1/admin/accounts/${accountId}/api-keys`, {
      scopes,
    });
    expect(issued.status).toBe(201);
    return runtime.tenant.withToken(issued.body.key);
  };

  const createWebhook = async (client: ApiClient, overrides: Record<string, unknown> = {}) => {
    const created = await client.post<CreatedWebhook>('/v1/webhooks', aWebhookBody(overrides));
    expect(created.status).toBe(201);
    return withoutSecret(created.body);
  };

  /** A's webhook as A sees it now. */
  const currentWebhookA = async (): Promise<WebhookResource> => {
    const response = await tenantA.get<WebhookResource>(`/v1/webhooks/${webhookA.id}`);
    expect(response.status).toBe(200);
    return response.body;
  };

  beforeAll(async () => {
    [runtime, receiverA, receiverB] = await Promise.all([
      startTestRuntime(),
      Receiver.start(),
      Receiver.start(),
    ]);
    tenantA = runtime.tenant;
    const accountB = await runtime.admin.post<{ id: string }>('/v1/admin/accounts', { name: 'Account B' });
    expect(accountB.status).toBe(201);
    tenantB = await issueKey(accountB.body.id, ['webhooks:read', 'webhooks:write', 'events:publish']);

    webhookA = await createWebhook(tenantA, { name: 'A endpoint', url: `${receiverA.url}/a` });
    const sent = await tenantA.post<TestSendResult>(`/v1/webhooks/${webhookA.id}/test`, {});
    expect(sent.status).toBe(200);
    expect(sent.body.success).toBe(true);
    deliveryIdA = sent.body.delivery_id;
    webhookA = await currentWebhookA();
    webhookB = await createWebhook(tenantB, { name: 'B endpoint', url: `${receiverB.url}/b` });
  });

  afterAll(async () => {
    await Promise.all([runtime?.dispose(), receiverA?.stop(), receiverB?.stop()]);
  });

  describe("account B's key on account A's data", () => {
    it("answers 404 to GET of A's webhook, exactly as for an id that does not exist", async () => {
      // Act
      const foreign = await tenantB.get<ErrorBody>(`/v1/webhooks/${webhookA.id}`);
      const missing = await tenantB.get<ErrorBody>('/v1/webhooks/wh_doesnotexist');

      // Assess
      expectError(foreign, 404, 'not_found');
      expect(foreign.body).toEqual(missing.body);
    });

    it("answers 404 to PATCH of A's webhook and changes nothing", async () => {
      // Act
      const response = await tenantB.patch<ErrorBody>(`/v1/webhooks/${webhookA.id}`, {
        url: 'https://attacker.example/steal',
        status: 'paused',
      });

      // Assess
      expectError(response, 404, 'not_found');
      expect(await currentWebhookA()).toEqual(webhookA);
    });

    it("answers 404 to DELETE of A's webhook and deletes nothing", async () => {
      // Act
      const response = await tenantB.delete<ErrorBody>(`/v1/webhooks/${webhookA.id}`);

      // Assess
      expectError(response, 404, 'not_found');
      expect(await currentWebhookA()).toEqual(webhookA);
    });

    it("answers 404 to rotating A's secret and keeps it", async () => {
      // Act
      const response = await tenantB.post<ErrorBody & { secret?: string }>(
        `/v1/webhooks/${webhookA.id}/rotate-secret`,
        {},
      );

      // Assess
      expectError(response, 404, 'not_found');
      expect(response.body.secret).toBeUndefined();
      expect((await currentWebhookA()).secret_prefix).toBe(webhookA.secret_prefix);
    });

    it("answers 404 to a test send to A's webhook and sends nothing", async () => {
      // Prepare
      const receivedBefore = receiverA.requests.length;

      // Act
      const response = await tenantB.post<ErrorBody>(`/v1/webhooks/${webhookA.id}/test`, {});

      // Assess
      expectError(response, 404, 'not_found');
      expect(receiverA.requests).toHaveLength(receivedBefore);
      expect((await currentWebhookA()).stats).toEqual(webhookA.stats);
    });

    it("answers 404 to listing A's webhook deliveries", async () => {
      // Act
      const response = await tenantB.get<ErrorBody>(`/v1/webhooks/${webhookA.id}/deliveries`);

      // Assess
      expectError(response, 404, 'not_found');
    });

    it("answers 404 to retry-failed on A's webhook", async () => {
      // Act
      const response = await tenantB.post<ErrorBody>(`/v1/webhooks/${webhookA.id}/retry-failed`, {});

      // Assess
      expectError(response, 404, 'not_found');
    });

    it("answers 404 to GET of A's delivery, exactly as for an id that does not exist", async () => {
      // Act
      const foreign = await tenantB.get<ErrorBody>(`/v1/deliveries/${deliveryIdA}`);
      const missing = await tenantB.get<ErrorBody>(`/v1/deliveries/${deliveryIdA}x`);

      // Assess
      expectError(foreign, 404, 'not_found');
      expect(foreign.body).toEqual(missing.body);
    });

    it("answers 404 to retrying A's delivery and leaves it as it was", async () => {
      // Prepare
      const before = await tenantA.get<DeliveryDetail>(`/v1/deliveries/${deliveryIdA}`);

      // Act
      const response = await tenantB.post<ErrorBody>(`/v1/deliveries/${deliveryIdA}/retry`, {});

      // Assess
      expectError(response, 404, 'not_found');
      const after = await tenantA.get<DeliveryDetail>(`/v1/deliveries/${deliveryIdA}`);
      expect(after.body).toEqual(before.body);
    });

    it("lists none of A's webhooks to B", async () => {
      // Act
      const listed = await listAll(tenantB);

      // Assess
      expect(listed.map((webhook) => webhook.id)).toEqual([webhookB.id]);
    });

    it("lists none of B's webhooks to A", async () => {
      // Act
      const listed = await listAll(tenantA);

      // Assess
      expect(listed.map((webhook) => webhook.id)).toContain(webhookA.id);
      expect(listed.map((webhook) => webhook.id)).not.toContain(webhookB.id);
    });

    it("rejects A's list cursor when B pages with it", async () => {
      // Prepare: A needs two webhooks for a next page
      await createWebhook(tenantA, { name: 'A second endpoint' });
      const firstPage = await tenantA.get<WebhookPage>('/v1/webhooks?limit=1');
      const cursor = firstPage.body.next_cursor;
      expect(cursor).toEqual(expect.any(String));

      // Act
      const response = await tenantB.get<ErrorBody>(
        `/v1/webhooks?limit=1&cursor=${encodeURIComponent(cursor ?? '')}`,
      );

      // Assess
      expectError(response, 400, 'validation_error');
      expect(JSON.stringify(response.body)).not.toContain(webhookA.id);
    });

    it("delivers an event B publishes to B's endpoint only", async () => {
      // Prepare
      const marker = randomBytes(6).toString('hex');
      const receivedByA = receiverA.requests.length;

      // Act
      const published = await tenantB.post<{ id: string }>('/v1/events', {
        type: 'order.created',
        data: { order_id: marker },
      });

      // Assess
      expect(published.status).toBe(202);
      await eventually(async () =>
        receiverB.requests.some((r) => r.body.includes(marker)) ? true : undefined,
      );
      const deliveriesA = await tenantA.get<{ data: DeliverySummary[] }>(
        `/v1/webhooks/${webhookA.id}/deliveries`,
      );
      expect(deliveriesA.body.data.map((delivery) => delivery.event_id)).not.toContain(published.body.id);
      expect(receiverA.requests.slice(receivedByA).some((r) => r.body.includes(marker))).toBe(false);
    });
  });

  describe('scopes', () => {
    describe('a key with only webhooks:read', () => {
      let readOnly: ApiClient;

      beforeAll(async () => {
        readOnly = await issueKey(runtime.accountId, ['webhooks:read']);
      });

      it('can list webhooks', async () => {
        // Act
        const response = await readOnly.get<WebhookPage>('/v1/webhooks');

        // Assess
        expect(response.status).toBe(200);
        expect(response.body.data.map((webhook) => webhook.id)).toContain(webhookA.id);
      });

      it('gets 403 on POST /v1/webhooks and creates nothing', async () => {
        // Prepare
        const before = await listAll(tenantA);

        // Act
        const response = await readOnly.post<ErrorBody>('/v1/webhooks', aWebhookBody());

        // Assess
        expectError(response, 403, 'forbidden');
        expect(await listAll(tenantA)).toEqual(before);
      });

      it('gets 403 on PATCH and changes nothing', async () => {
        // Act
        const response = await readOnly.patch<ErrorBody>(`/v1/webhooks/${webhookA.id}`, { name: 'Hijacked' });

        // Assess
        expectError(response, 403, 'forbidden');
        expect(await currentWebhookA()).toEqual(webhookA);
      });

      it('gets 403 on DELETE and deletes nothing', async () => {
        // Act
        const response = await readOnly.delete<ErrorBody>(`/v1/webhooks/${webhookA.id}`);

        // Assess
        expectError(response, 403, 'forbidden');
        expect(await currentWebhookA()).toEqual(webhookA);
      });

      it('gets 403 on rotate-secret and the secret stays', async () => {
        // Act
        const response = await readOnly.post<ErrorBody>(`/v1/webhooks/${webhookA.id}/rotate-secret`, {});

        // Assess
        expectError(response, 403, 'forbidden');
        expect((await currentWebhookA()).secret_prefix).toBe(webhookA.secret_prefix);
      });

      it('gets 403 on a test send and sends nothing', async () => {
        // Prepare
        const receivedBefore = receiverA.requests.length;

        // Act
        const response = await readOnly.post<ErrorBody>(`/v1/webhooks/${webhookA.id}/test`, {});

        // Assess
        expectError(response, 403, 'forbidden');
        expect(receiverA.requests).toHaveLength(receivedBefore);
      });

      it('gets 403 on POST /v1/events', async () => {
        // Act
        const response = await readOnly.post<ErrorBody>('/v1/events', { type: 'order.created', data: {} });

        // Assess
        expectError(response, 403, 'forbidden');
      });
    });

    describe('a key with only events:publish', () => {
      let publishOnly: ApiClient;

      beforeAll(async () => {
        publishOnly = await issueKey(runtime.accountId, ['events:publish']);
      });

      it('can publish an event', async () => {
        // Act
        const response = await publishOnly.post<{ id: string }>('/v1/events', {
          type: 'document.sent',
          data: { document_id: 'doc_1' },
        });

        // Assess
        expect(response.status).toBe(202);
        expect(response.body.id).toEqual(expect.any(String));
      });

      it('gets 403 on GET /v1/webhooks', async () => {
        // Act
        const response = await publishOnly.get<ErrorBody>('/v1/webhooks');

        // Assess
        expectError(response, 403, 'forbidden');
      });

      it('gets 403 on GET /v1/webhooks/{id}', async () => {
        // Act
        const response = await publishOnly.get<ErrorBody>(`/v1/webhooks/${webhookA.id}`);

        // Assess
        expectError(response, 403, 'forbidden');
        expect(JSON.stringify(response.body)).not.toContain(webhookA.url);
      });

      it('gets 403 on GET /v1/deliveries/{id}', async () => {
        // Act
        const response = await publishOnly.get<ErrorBody>(`/v1/deliveries/${deliveryIdA}`);

        // Assess
        expectError(response, 403, 'forbidden');
      });

      it('gets 403 on POST /v1/webhooks and creates nothing', async () => {
        // Prepare
        const before = await listAll(tenantA);

        // Act
        const response = await publishOnly.post<ErrorBody>('/v1/webhooks', aWebhookBody());

        // Assess
        expectError(response, 403, 'forbidden');
        expect(await listAll(tenantA)).toEqual(before);
      });
    });

    describe('a key with only webhooks:write', () => {
      let writeOnly: ApiClient;

      beforeAll(async () => {
        writeOnly = await issueKey(runtime.accountId, ['webhooks:write']);
      });

      it('can create a webhook', async () => {
        // Act
        const response = await writeOnly.post<CreatedWebhook>('/v1/webhooks', aWebhookBody());

        // Assess
        expect(response.status).toBe(201);
      });

      it('gets 403 on GET /v1/webhooks', async () => {
        // Act
        const response = await writeOnly.get<ErrorBody>('/v1/webhooks');

        // Assess
        expectError(response, 403, 'forbidden');
      });

      it('gets 403 on POST /v1/events', async () => {
        // Act
        const response = await writeOnly.post<ErrorBody>('/v1/events', { type: 'order.created', data: {} });

        // Assess
        expectError(response, 403, 'forbidden');
      });
    });
  });

  describe('authentication', () => {
    it('answers 401 to GET /v1/webhooks without an Authorization header', async () => {
      // Act
      const response = await tenantA.withToken(undefined).get<ErrorBody>('/v1/webhooks');

      // Assess
      expectError(response, 401, 'unauthorized');
    });

    it('answers 401 to POST /v1/webhooks without a key and creates nothing', async () => {
      // Prepare
      const before = await listAll(tenantA);

      // Act
      const response = await tenantA.withToken(undefined).post<ErrorBody>('/v1/webhooks', aWebhookBody());

      // Assess
      expectError(response, 401, 'unauthorized');
      expect(await listAll(tenantA)).toEqual(before);
    });

    it('answers 401 to POST /v1/events without a key', async () => {
      // Act
      const response = await tenantA
        .withToken(undefined)
        .post<ErrorBody>('/v1/events', { type: 'order.created', data: {} });

      // Assess
      expectError(response, 401, 'unauthorized');
    });

    it('answers 401 to a well-formed key that was never issued', async () => {
      // Act
      const response = await tenantA
        .withToken(`ak_${randomBytes(16).toString('hex')}`)
        .get<ErrorBody>('/v1/webhooks');

      // Assess
      expectError(response, 401, 'unauthorized');
    });

    it('answers 401 to an issued key with one character changed', async () => {
      // Prepare
      const key = runtime.apiKey;
      const tampered = `${key.slice(0, -1)}${key.endsWith('a') ? 'b' : 'a'}`;

      // Act
      const response = await tenantA.withToken(tampered).get<ErrorBody>('/v1/webhooks');

      // Assess
      expectError(response, 401, 'unauthorized');
    });

    it('answers 401 to a bearer token that is not an API key', async () => {
      // Act
      const response = await tenantA.withToken('not-a-key').get<ErrorBody>(`/v1/webhooks/${webhookA.id}`);

      // Assess
      expectError(response, 401, 'unauthorized');
      expect(JSON.stringify(response.body)).not.toContain(webhookA.url);
    });

    it('answers 401 to a valid key sent with another scheme', async () => {
      // Act
      const response = await fetch(`${runtime.url}/v1/webhooks`, {
        headers: { authorization: `Basic ${runtime.apiKey}` },
      });
      const body = (await response.json()) as ErrorBody;

      // Assess
      expectError({ status: response.status, body }, 401, 'unauthorized');
    });
  });
});

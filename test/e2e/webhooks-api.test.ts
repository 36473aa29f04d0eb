import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { type ErrorBody, expectError } from '../support/assertions.js';
import { aWebhookBody } from '../support/factories.js';
import {
  type ApiClient,
  type ApiResponse,
  listAllWebhooks,
  startTestRuntime,
  type TestRuntime,
  type WebhookPage,
} from '../support/local-runtime.js';

/**
 * The tenant webhook API end to end over real HTTP against the local runtime: CRUD, secret
 * rotation, the event-type catalog, pagination and status changes.
 */

interface CreatedWebhook extends WebhookResource {
  readonly secret: string;
}
interface RotatedSecret {
  readonly id: string;
  readonly secret: string;
  readonly rotated_at: string;
}
interface EventTypeResource {
  readonly name: string;
  readonly description: string;
  readonly example: unknown;
}

const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]{43}=$/;

describe('webhooks API', () => {
  let runtime: TestRuntime;
  let tenant: ApiClient;

  const createWebhook = async (overrides: Record<string, unknown> = {}): Promise<CreatedWebhook> => {
    const response = await tenant.post<CreatedWebhook>('/v1/webhooks', aWebhookBody(overrides));
    expect(response.status).toBe(201);
    return response.body;
  };

  beforeAll(async () => {
    runtime = await startTestRuntime();
    tenant = runtime.tenant;
  });

  afterAll(async () => {
    await runtime?.dispose();
  });

  describe('POST /v1/webhooks', () => {
    it("names a webhook created without a name after its URL's host (seed 003 sends none)", async () => {
      // Prepare
      const { name: _name, ...body } = aWebhookBody({ url: 'https://hooks.example.com:8443/in' });

      // Act
      const response = await tenant.post<CreatedWebhook>('/v1/webhooks', body);

      // Assess
      expect(response.status).toBe(201);
      expect(response.body.name).toBe('hooks.example.com:8443');
    });

    it('answers 201 with the webhook, its defaults and a one-time secret', async () => {
      // Prepare
      const body = aWebhookBody({ name: 'Defaults endpoint' });

      // Act
      const response = await tenant.post<CreatedWebhook>('/v1/webhooks', body);

      // Assess
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({
        name: 'Defaults endpoint',
        url: 'https://example.com/hooks/orders',
        description: null,
        events: ['order.created'],
        status: 'active',
        disabled_reason: null,
        headers: {},
        retry_policy: { max_retries: 6, intervals_seconds: [60, 300, 1800, 7200, 28800, 86400] },
        timeout_seconds: 5,
        alerting: { email: null, failure_threshold: 3 },
        stats: { total_deliveries: 0, successful: 0, failed: 0, success_rate: 0 },
      });
      expect(response.body.id).toMatch(/^wh_/);
      expect(response.body.created_at).toMatch(ISO_8601);
      expect(response.body.updated_at).toMatch(ISO_8601);
    });

    it('returns a whsec_ secret of 32 random bytes whose first 12 characters are the secret_prefix', async () => {
      // Act
      const created = await createWebhook();

      // Assess
      expect(created.secret).toMatch(SECRET_PATTERN);
      expect(Buffer.from(created.secret.slice('whsec_'.length), 'base64')).toHaveLength(32);
      expect(created.secret_prefix).toBe(created.secret.slice(0, 12));
    });

    it('gives every webhook its own secret', async () => {
      // Act
      const first = await createWebhook();
      const second = await createWebhook();

      // Assess
      expect(first.secret).not.toBe(second.secret);
      expect(first.id).not.toBe(second.id);
    });

    it('stores the optional settings it is given', async () => {
      // Prepare
      const body = aWebhookBody({
        description: 'Sends orders to billing',
        headers: { 'X-Team': 'billing' },
        retry_policy: { max_retries: 2, intervals_seconds: [10, 20] },
        timeout_seconds: 12,
        alerting: { email: 'ops@example.com', failure_threshold: 7 },
      });

      // Act
      const created = await tenant.post<CreatedWebhook>('/v1/webhooks', body);

      // Assess
      expect(created.status).toBe(201);
      const stored = await tenant.get<WebhookResource>(`/v1/webhooks/${created.body.id}`);
      expect(stored.body).toMatchObject({
        description: 'Sends orders to billing',
        headers: { 'X-Team': 'billing' },
        retry_policy: { max_retries: 2, intervals_seconds: [10, 20] },
        timeout_seconds: 12,
        alerting: { email: 'ops@example.com', failure_threshold: 7 },
      });
    });

    it('creates a webhook paused when asked, and refuses any other status', async () => {
      // Act
      const paused = await tenant.post<CreatedWebhook>('/v1/webhooks', aWebhookBody({ status: 'paused' }));
      const disabled = await tenant.post('/v1/webhooks', aWebhookBody({ status: 'disabled' }));

      // Assess
      expect(paused.status).toBe(201);
      expect(paused.body.status).toBe('paused');
      expect((await tenant.get<WebhookResource>(`/v1/webhooks/${paused.body.id}`)).body.status).toBe(
        'paused',
      );
      expect(disabled.status).toBe(400);
    });

    it('accepts events: [] (every event type)', async () => {
      // Act
      const response = await tenant.post<CreatedWebhook>('/v1/webhooks', aWebhookBody({ events: [] }));

      // Assess
      expect(response.status).toBe(201);
      expect(response.body.events).toEqual([]);
      const stored = await tenant.get<WebhookResource>(`/v1/webhooks/${response.body.id}`);
      expect(stored.body.events).toEqual([]);
    });

    it('rejects an unknown event type with a validation error and creates nothing', async () => {
      // Prepare
      const before = await listAllWebhooks(tenant);

      // Act
      const response = await tenant.post<ErrorBody>(
        '/v1/webhooks',
        aWebhookBody({ events: ['order.created', 'no.such.type'] }),
      );

      // Assess
      expectError(response, 400, 'validation_error');
      expect(JSON.stringify(response.body.error)).toContain('no.such.type');
      expect(await listAllWebhooks(tenant)).toEqual(before);
    });
  });

  describe('GET /v1/webhooks/{id}', () => {
    it('returns the webhook as created, without the secret', async () => {
      // Prepare
      const { secret, ...created } = await createWebhook({ description: 'read me' });

      // Act
      const response = await tenant.get<WebhookResource & { secret?: string }>(`/v1/webhooks/${created.id}`);

      // Assess
      expect(response.status).toBe(200);
      expect(response.body).toEqual(created);
      expect(response.body.secret).toBeUndefined();
      expect(JSON.stringify(response.body)).not.toContain(secret);
    });

    it('answers 404 for an id that does not exist', async () => {
      // Act
      const response = await tenant.get<ErrorBody>('/v1/webhooks/wh_doesnotexist');

      // Assess
      expectError(response, 404, 'not_found');
    });
  });

  describe('GET /v1/webhooks', () => {
    it('lists a created webhook without its secret', async () => {
      // Prepare
      const created = await createWebhook({ name: 'Listed endpoint' });

      // Act
      const all = await listAllWebhooks(tenant);

      // Assess
      const listed = all.find((webhook) => webhook.id === created.id);
      expect(listed).toMatchObject({
        id: created.id,
        name: 'Listed endpoint',
        secret_prefix: created.secret_prefix,
      });
      expect(JSON.stringify(all)).not.toContain(created.secret);
    });

    it('pages 5 webhooks by 2 in exactly 3 pages, each seen once', async () => {
      // Prepare: a fresh account, so the listing holds exactly these five
      const account = await runtime.admin.post<{ id: string }>('/v1/admin/accounts', { name: 'Paging' });
      const key = await runtime.admin.post<{ key: string }>(
        `/v1/admin/accounts/${account.body.id}/api-keys`,
        {
          scopes: ['webhooks:read', 'webhooks:write'],
        },
      );
      const paging = tenant.withToken(key.body.key);
      const createdIds: string[] = [];
      for (let index = 0; index < 5; index++) {
        const created = await paging.post<CreatedWebhook>(
          '/v1/webhooks',
          aWebhookBody({ name: `page ${index}` }),
        );
        expect(created.status).toBe(201);
        createdIds.push(created.body.id);
      }

      // Act
      const pages: WebhookPage[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `?limit=2&cursor=${encodeURIComponent(cursor)}` : '?limit=2';
        const page: ApiResponse<WebhookPage> = await paging.get<WebhookPage>(`/v1/webhooks${query}`);
        expect(page.status).toBe(200);
        pages.push(page.body);
        cursor = page.body.next_cursor;
      } while (cursor && pages.length < 10);

      // Assess
      expect(pages.map((page) => page.data.length)).toEqual([2, 2, 1]);
      expect(pages.at(-1)?.next_cursor).toBeNull();
      const seen = pages.flatMap((page) => page.data.map((webhook) => webhook.id));
      expect(new Set(seen).size).toBe(seen.length);
      expect([...seen].sort()).toEqual([...createdIds].sort());
    });
  });

  describe('PATCH /v1/webhooks/{id}', () => {
    it('changes only the fields given', async () => {
      // Prepare
      const { secret: _secret, ...created } = await createWebhook({
        description: 'before',
        headers: { 'X-Team': 'billing' },
      });

      // Act
      const response = await tenant.patch<WebhookResource>(`/v1/webhooks/${created.id}`, { name: 'Renamed' });

      // Assess
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ ...created, name: 'Renamed', updated_at: response.body.updated_at });
      expect(response.body.updated_at >= created.updated_at).toBe(true);
      const stored = await tenant.get<WebhookResource>(`/v1/webhooks/${created.id}`);
      expect(stored.body).toEqual(response.body);
    });

    it('updates url, events, description, headers, retry policy, timeout and alerting', async () => {
      // Prepare
      const created = await createWebhook();
      const changes = {
        url: 'https://example.org/new-hook',
        events: ['document.sent', 'document.completed'],
        description: 'after',
        headers: { 'X-Env': 'prod' },
        retry_policy: { max_retries: 1, intervals_seconds: [30] },
        timeout_seconds: 20,
        alerting: { email: 'alerts@example.org', failure_threshold: 9 },
      };

      // Act
      const response = await tenant.patch<WebhookResource>(`/v1/webhooks/${created.id}`, changes);

      // Assess
      expect(response.status).toBe(200);
      const stored = await tenant.get<WebhookResource>(`/v1/webhooks/${created.id}`);
      expect(stored.body).toMatchObject({ ...changes, name: created.name, status: 'active' });
    });

    it('pauses an active webhook', async () => {
      // Prepare
      const created = await createWebhook();

      // Act
      const response = await tenant.patch<WebhookResource>(`/v1/webhooks/${created.id}`, {
        status: 'paused',
      });

      // Assess
      expect(response.status).toBe(200);
      expect(response.body.status).toBe('paused');
      const stored = await tenant.get<WebhookResource>(`/v1/webhooks/${created.id}`);
      expect(stored.body.status).toBe('paused');
    });

    it('resumes a paused webhook', async () => {
      // Prepare
      const created = await createWebhook();
      await tenant.patch(`/v1/webhooks/${created.id}`, { status: 'paused' });

      // Act
      const response = await tenant.patch<WebhookResource>(`/v1/webhooks/${created.id}`, {
        status: 'active',
      });

      // Assess
      expect(response.status).toBe(200);
      const stored = await tenant.get<WebhookResource>(`/v1/webhooks/${created.id}`);
      expect(stored.body.status).toBe('active');
    });

    it('does not let a tenant set the status to disabled', async () => {
      // Prepare
      const { secret: _secret, ...created } = await createWebhook();

      // Act
      const response = await tenant.patch<ErrorBody>(`/v1/webhooks/${created.id}`, { status: 'disabled' });

      // Assess
      expectError(response, 400, 'validation_error');
      const stored = await tenant.get<WebhookResource>(`/v1/webhooks/${created.id}`);
      expect(stored.body).toEqual(created);
    });

    it('answers concurrent updates with 200 or 409 conflict, never 5xx, and keeps one of them', async () => {
      // Prepare
      const created = await createWebhook();
      const names = Array.from({ length: 8 }, (_, index) => `Concurrent ${index}`);

      // Act
      const responses = await Promise.all(
        names.map((name) =>
          tenant.patch<WebhookResource | ErrorBody>(`/v1/webhooks/${created.id}`, { name }),
        ),
      );

      // Assess
      expect(responses.filter((response) => response.status === 200).length).toBeGreaterThanOrEqual(1);
      for (const response of responses) {
        if (response.status !== 200) expectError(response as ApiResponse<ErrorBody>, 409, 'conflict');
      }
      const stored = await tenant.get<WebhookResource>(`/v1/webhooks/${created.id}`);
      expect(names).toContain(stored.body.name);
    });

    it('answers 404 for an id that does not exist', async () => {
      // Act
      const response = await tenant.patch<ErrorBody>('/v1/webhooks/wh_doesnotexist', { name: 'x' });

      // Assess
      expectError(response, 404, 'not_found');
    });
  });

  describe('DELETE /v1/webhooks/{id}', () => {
    it('answers 200 {"deleted": true}', async () => {
      // Prepare
      const created = await createWebhook();

      // Act
      const response = await tenant.delete(`/v1/webhooks/${created.id}`);

      // Assess
      expect(response.status).toBe(200);
      expect(response.body).toEqual({ deleted: true });
    });

    it('makes the webhook answer 404 afterwards', async () => {
      // Prepare
      const created = await createWebhook();
      await tenant.delete(`/v1/webhooks/${created.id}`);

      // Act
      const response = await tenant.get<ErrorBody>(`/v1/webhooks/${created.id}`);

      // Assess
      expectError(response, 404, 'not_found');
    });

    it('removes the webhook from the listing', async () => {
      // Prepare
      const created = await createWebhook();
      await tenant.delete(`/v1/webhooks/${created.id}`);

      // Act
      const all = await listAllWebhooks(tenant);

      // Assess
      expect(all.map((webhook) => webhook.id)).not.toContain(created.id);
    });

    it('answers 404 when the webhook is already deleted', async () => {
      // Prepare
      const created = await createWebhook();
      await tenant.delete(`/v1/webhooks/${created.id}`);

      // Act
      const response = await tenant.delete<ErrorBody>(`/v1/webhooks/${created.id}`);

      // Assess
      expectError(response, 404, 'not_found');
    });
  });

  describe('POST /v1/webhooks/{id}/rotate-secret', () => {
    it('returns the id, a new secret and rotated_at', async () => {
      // Prepare
      const created = await createWebhook();

      // Act
      const response = await tenant.post<RotatedSecret>(`/v1/webhooks/${created.id}/rotate-secret`, {});

      // Assess
      expect(response.status).toBe(200);
      expect(response.body.id).toBe(created.id);
      expect(response.body.secret).toMatch(SECRET_PATTERN);
      expect(response.body.secret).not.toBe(created.secret);
      expect(response.body.rotated_at).toMatch(ISO_8601);
    });

    it('changes secret_prefix to the new secret’s first 12 characters', async () => {
      // Prepare
      const created = await createWebhook();

      // Act
      const rotated = await tenant.post<RotatedSecret>(`/v1/webhooks/${created.id}/rotate-secret`, {
        grace_period_seconds: 3600,
      });

      // Assess
      const stored = await tenant.get<WebhookResource>(`/v1/webhooks/${created.id}`);
      expect(stored.body.secret_prefix).toBe(rotated.body.secret.slice(0, 12));
      expect(stored.body.secret_prefix).not.toBe(created.secret_prefix);
    });

    it.each([0, 604_800])('accepts grace_period_seconds %i', async (grace) => {
      // Prepare
      const created = await createWebhook();

      // Act
      const response = await tenant.post<RotatedSecret>(`/v1/webhooks/${created.id}/rotate-secret`, {
        grace_period_seconds: grace,
      });

      // Assess
      expect(response.status).toBe(200);
      expect(response.body.secret).not.toBe(created.secret);
    });

    it.each([-1, 604_801, 1.5])('rejects grace_period_seconds %s and keeps the secret', async (grace) => {
      // Prepare
      const created = await createWebhook();

      // Act
      const response = await tenant.post<ErrorBody>(`/v1/webhooks/${created.id}/rotate-secret`, {
        grace_period_seconds: grace,
      });

      // Assess
      expectError(response, 400, 'validation_error');
      const stored = await tenant.get<WebhookResource>(`/v1/webhooks/${created.id}`);
      expect(stored.body.secret_prefix).toBe(created.secret_prefix);
      expect(stored.body.updated_at).toBe(created.updated_at);
    });

    it('answers 404 for an id that does not exist', async () => {
      // Act
      const response = await tenant.post<ErrorBody>('/v1/webhooks/wh_doesnotexist/rotate-secret', {});

      // Assess
      expectError(response, 404, 'not_found');
    });
  });

  describe('GET /v1/event-types', () => {
    it('lists the catalog with name, description and example', async () => {
      // Act
      const response = await tenant.get<{ data: EventTypeResource[] }>('/v1/event-types');

      // Assess
      expect(response.status).toBe(200);
      const orderCreated = response.body.data.find((eventType) => eventType.name === 'order.created');
      expect(orderCreated).toEqual({
        name: 'order.created',
        description: expect.any(String),
        example: expect.objectContaining({ order_id: expect.any(String) }),
      });
      for (const eventType of response.body.data) {
        expect(Object.keys(eventType).sort()).toEqual(['description', 'example', 'name']);
      }
    });

    it('lists only types a webhook can subscribe to', async () => {
      // Prepare
      const catalog = await tenant.get<{ data: EventTypeResource[] }>('/v1/event-types');
      const names = catalog.body.data.map((eventType) => eventType.name);

      // Act
      const response = await tenant.post<CreatedWebhook>('/v1/webhooks', aWebhookBody({ events: names }));

      // Assess
      expect(names.length).toBeGreaterThan(0);
      expect(response.status).toBe(201);
      expect(response.body.events).toEqual(names);
    });
  });
});

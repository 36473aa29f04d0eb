import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newWebhookId } from '../../lambdas/domain/ids.js';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { type ErrorBody, expectError } from '../support/assertions.js';
import {
  type ApiClient,
  type ApiResponse,
  startTestRuntime,
  type TestRuntime,
} from '../support/local-runtime.js';

/**
 * Seed 003's reference (/work/shared/seeds/003_*.txt; docs/seed-003.md), end to end on the local
 * runtime: a client written from it works unchanged but for its base URL, `/api/v1` as there or
 * `/v1`; each call below is made exactly as the reference shows it (its headers, its bodies). And
 * around it: 405 with `Allow`, 404 naming the path, a missing `id` is a 400 naming it, another
 * account's id is a 404, a read-only key is refused the writes, and strange ids are 4xx.
 */

const SEED_EVENTS = ['document.sent', 'recipient.signed', 'document.completed'];
const ISO_8601 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;

interface Answer<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

describe("seed 003's routes", () => {
  let runtime: TestRuntime;
  let apiKey: string;
  let readOnly: ApiClient;
  let accountB: ApiClient;

  /** `fetch` as the reference calls it, with `base` in place of `https://seal.convex.site/api/v1`. */
  const call = async <T = Record<string, unknown>>(
    url: string,
    init: RequestInit = {},
  ): Promise<Answer<T>> => {
    const response = await fetch(`${runtime.url}${url}`, init);
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      body: text === '' ? undefined : JSON.parse(text),
    };
  };
  const auth = () => ({ Authorization: `Bearer ${apiKey}` });

  beforeAll(async () => {
    runtime = await startTestRuntime();
    apiKey = runtime.apiKey;
    for (const name of [...SEED_EVENTS, 'recipient.viewed']) {
      const put = await runtime.admin.put(`/v1/admin/event-types/${name}`, {
        description: `Seed 003 ${name}`,
      });
      expect(put.status, JSON.stringify(put.body)).toBeLessThan(300);
    }
    const key = await runtime.admin.post<{ key: string }>(
      `/v1/admin/accounts/${runtime.accountId}/api-keys`,
      {
        scopes: ['webhooks:read'],
      },
    );
    readOnly = runtime.tenant.withToken(key.body.key);
    const b = await runtime.admin.post<{ id: string }>('/v1/admin/accounts', { name: 'Account B' });
    const keyB = await runtime.admin.post<{ key: string }>(`/v1/admin/accounts/${b.body.id}/api-keys`, {
      scopes: ['webhooks:read', 'webhooks:write'],
    });
    accountB = runtime.tenant.withToken(keyB.body.key);
  });

  afterAll(async () => {
    await runtime?.dispose();
  });

  describe.each(['/api/v1', '/v1'])('a client written from the reference, at base %s', (base) => {
    it('creates, lists, gets, updates, rotates, lists event types and deletes, as the reference shows', async () => {
      // Create Webhook (the TypeScript example: no name)
      const created = await call<WebhookResource & { secret: string }>(`${base}/webhooks`, {
        method: 'POST',
        headers: { ...auth(), 'Content-Type': 'application/json' },
        body: JSON.stringify({
          url: 'https://api.example.com/webhooks/seal',
          events: SEED_EVENTS,
          description: 'Production webhook endpoint',
        }),
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body).toMatchObject({
        url: 'https://api.example.com/webhooks/seal',
        events: SEED_EVENTS,
        status: 'active',
        name: 'api.example.com',
        description: 'Production webhook endpoint',
      });
      expect(created.body.id).toMatch(/^wh_/);
      expect(created.body.secret).toMatch(/^whsec_/);
      expect(created.body.created_at).toMatch(ISO_8601);
      const id = created.body.id;

      // List Webhooks
      const listed = await call<{ data: WebhookResource[] }>(`${base}/webhooks`, { headers: auth() });
      expect(listed.status).toBe(200);
      expect(listed.body.data.map((webhook) => webhook.id)).toContain(id);

      // Get Webhook: the reference's Webhook Object
      const got = await call<WebhookResource>(`${base}/webhooks/get?id=${id}`, { headers: auth() });
      expect(got.status).toBe(200);
      expect(Object.keys(got.body)).toEqual(
        expect.arrayContaining([
          'id',
          'name',
          'url',
          'events',
          'status',
          'secret_prefix',
          'description',
          'stats',
          'created_at',
          'updated_at',
        ]),
      );
      expect(got.body.secret_prefix).toBe(created.body.secret.slice(0, 12));
      expect(got.body.stats).toEqual({ total_deliveries: 0, successful: 0, failed: 0, success_rate: 0 });

      // Update Webhook: partial
      const updated = await call<WebhookResource>(`${base}/webhooks/update?id=${id}`, {
        method: 'PUT',
        headers: { ...auth(), 'Content-Type': 'application/json' },
        body: JSON.stringify({
          events: ['document.sent', 'document.completed', 'recipient.signed'],
          status: 'active',
        }),
      });
      expect(updated.status, JSON.stringify(updated.body)).toBe(200);
      expect(updated.body).toMatchObject({
        id,
        name: 'api.example.com',
        url: 'https://api.example.com/webhooks/seal',
        events: ['document.sent', 'document.completed', 'recipient.signed'],
        status: 'active',
      });

      // Rotate Secret: POST without a body or a content type
      const rotated = await call<{ id: string; secret: string; rotated_at: string }>(
        `${base}/webhooks/rotate-secret?id=${id}`,
        { method: 'POST', headers: auth() },
      );
      expect(rotated.status, JSON.stringify(rotated.body)).toBe(200);
      expect(Object.keys(rotated.body).sort()).toEqual(['id', 'rotated_at', 'secret']);
      expect(rotated.body.id).toBe(id);
      expect(rotated.body.secret).toMatch(/^whsec_/);
      expect(rotated.body.secret).not.toBe(created.body.secret);
      expect(rotated.body.rotated_at).toMatch(ISO_8601);

      // Get Event Types
      const types = await call<{ data: { name: string }[] }>(`${base}/webhooks/event-types`, {
        headers: auth(),
      });
      expect(types.status).toBe(200);
      expect(types.body.data.map((type) => type.name)).toEqual(expect.arrayContaining(SEED_EVENTS));

      // Delete Webhook
      const deleted = await call(`${base}/webhooks/delete?id=${id}`, { method: 'DELETE', headers: auth() });
      expect(deleted.status).toBe(200);
      expect(deleted.body).toEqual({ deleted: true });
      const gone = await call<ErrorBody>(`${base}/webhooks/get?id=${id}`, { headers: auth() });
      expectError({ status: gone.status, body: gone.body }, 404, 'not_found');
    });

    it("takes the cURL example's create body, and `events: []` for every event", async () => {
      const created = await call<WebhookResource>(`${base}/webhooks`, {
        method: 'POST',
        headers: { ...auth(), 'Content-Type': 'application/json' },
        body: '{\n"url": "https://api.example.com/webhooks/seal",\n"events": []\n}',
      });
      expect(created.status, JSON.stringify(created.body)).toBe(201);
      expect(created.body.events).toEqual([]);
      await call(`${base}/webhooks/delete?id=${created.body.id}`, { method: 'DELETE', headers: auth() });
    });
  });

  describe('errors', () => {
    const asResponse = (answer: Answer<ErrorBody>): ApiResponse<ErrorBody> => ({
      status: answer.status,
      body: answer.body,
    });

    it.each([
      ['PATCH', '/api/v1/webhooks/get', 'GET'],
      ['PATCH', '/v1/webhooks/get', 'GET'],
      ['POST', '/api/v1/webhooks/update', 'PUT'],
      ['GET', '/v1/webhooks/delete', 'DELETE'],
      ['GET', '/api/v1/webhooks/rotate-secret', 'POST'],
      ['DELETE', '/v1/event-types', 'GET'],
      ['POST', '/api/v1/webhooks/event-types', 'GET'],
      ['PUT', '/api/v1/webhooks', 'GET, POST'],
      ['PUT', '/v1/webhooks/wh_abc123', 'DELETE, GET, PATCH'],
    ])('answers %s %s with 405 and Allow: %s', async (method, path, allow) => {
      const answer = await call<ErrorBody>(path, { method, headers: auth() });
      expectError(asResponse(answer), 405, 'method_not_allowed');
      expect(answer.headers.get('allow')?.split(', ').sort().join(', ')).toBe(allow);
    });

    it.each(['/v1/nope', '/api/v1/webhooks/nope', '/api/v1/webhooks/get/extra', '/nope', '/api/v2/webhooks'])(
      'answers %s with a 404 naming the path',
      async (path) => {
        const answer = await call<ErrorBody>(path, { headers: auth() });
        expectError(asResponse(answer), 404, 'not_found');
        expect(answer.body.error.message).toContain(path);
      },
    );

    it.each([
      ['PATCH', '/v1/events', 'GET, POST'],
      ['DELETE', '/v1/events/evt_01', 'GET'],
      ['POST', '/v1/openapi.json', 'GET'],
      ['DELETE', '/v1/email-confirmations/tok_abc', 'GET'],
      ['GET', '/v1/portal/sessions', 'POST'],
    ])(
      'answers %s %s, a resource API Gateway routes by method, with 405 and Allow: %s',
      async (method, path, allow) => {
        // Act: with a key and without, as API Gateway answers before any authorizer.
        const answers = [
          await call<ErrorBody>(path, { method, headers: auth() }),
          await call<ErrorBody>(path, { method }),
        ];

        // Assess
        for (const answer of answers) {
          expectError(asResponse(answer), 405, 'method_not_allowed');
          expect(answer.headers.get('allow')).toBe(allow);
        }
      },
    );

    it('answers an admin route called without admin credentials with 403, and /v1/admin itself with 404', async () => {
      // Act
      const unsigned = await call<ErrorBody>('/v1/admin/event-types', { headers: auth() });
      const bare = await call<ErrorBody>('/v1/admin', { headers: auth() });

      // Assess
      expectError(asResponse(unsigned), 403, 'forbidden');
      expectError(asResponse(bare), 404, 'not_found');
      expect(bare.body.error.message).toContain('/v1/admin');
    });

    it.each([
      ['GET', '/v1/webhooks/get'],
      ['GET', '/api/v1/webhooks/get?id='],
      ['PUT', '/v1/webhooks/update'],
      ['DELETE', '/api/v1/webhooks/delete'],
      ['POST', '/v1/webhooks/rotate-secret'],
    ])('answers %s %s without an id with a 400 naming `id`', async (method, path) => {
      const body = method === 'PUT' ? JSON.stringify({ status: 'paused' }) : undefined;
      const answer = await call<ErrorBody<{ path: string }[]>>(path, {
        method,
        headers: { ...auth(), 'Content-Type': 'application/json' },
        body,
      });
      expectError(asResponse(answer), 400, 'validation_error');
      expect(answer.body.error.details?.map((detail) => detail.path)).toContain('query.id');
      expect(JSON.stringify(answer.body)).not.toMatch(/Webhook not found|Unrecognized key/);
    });

    it("answers another account's id with exactly the 404 of an id that does not exist", async () => {
      const created = await accountB.post<WebhookResource>('/api/v1/webhooks', {
        url: 'https://api.example.com/b',
        events: [],
      });
      expect(created.status).toBe(201);
      const idOfB = created.body.id;
      for (const [method, path, body] of [
        ['GET', '/api/v1/webhooks/get', undefined],
        ['GET', '/v1/webhooks/get', undefined],
        ['PUT', '/api/v1/webhooks/update', { url: 'https://attacker.example/steal' }],
        ['DELETE', '/v1/webhooks/delete', undefined],
        ['POST', '/api/v1/webhooks/rotate-secret', undefined],
      ] as const) {
        const foreign = await runtime.tenant.request<ErrorBody>(method, `${path}?id=${idOfB}`, body);
        const missing = await runtime.tenant.request<ErrorBody>(method, `${path}?id=${newWebhookId()}`, body);
        expectError(foreign, 404, 'not_found');
        expect(foreign.body).toEqual(missing.body);
      }
      const still = await accountB.get<WebhookResource>(`/api/v1/webhooks/get?id=${idOfB}`);
      expect(still.body).toMatchObject({ id: idOfB, url: 'https://api.example.com/b', status: 'active' });
      expect(still.body.secret_prefix).toBe(created.body.secret_prefix);
    });

    it('refuses a read-only key the writes with 403, and lets it read', async () => {
      const created = await runtime.tenant.post<WebhookResource>('/api/v1/webhooks', {
        url: 'https://api.example.com/scoped',
        events: [],
      });
      const id = created.body.id;
      for (const [method, path, body] of [
        ['POST', '/api/v1/webhooks', { url: 'https://api.example.com/x', events: [] }],
        ['PUT', `/api/v1/webhooks/update?id=${id}`, { status: 'paused' }],
        ['PUT', `/v1/webhooks/update?id=${id}`, { status: 'paused' }],
        ['DELETE', `/api/v1/webhooks/delete?id=${id}`, undefined],
        ['DELETE', `/v1/webhooks/delete?id=${id}`, undefined],
        ['POST', `/api/v1/webhooks/rotate-secret?id=${id}`, undefined],
        ['POST', `/v1/webhooks/rotate-secret?id=${id}`, undefined],
      ] as const) {
        expectError(await readOnly.request<ErrorBody>(method, path, body), 403, 'forbidden');
      }
      expect((await readOnly.get(`/api/v1/webhooks/get?id=${id}`)).status).toBe(200);
      expect((await readOnly.get('/api/v1/webhooks/event-types')).status).toBe(200);
      const after = await runtime.tenant.get<WebhookResource>(`/v1/webhooks/${id}`);
      expect(after.body).toMatchObject({ status: 'active', secret_prefix: created.body.secret_prefix });
    });

    it('answers 401 without a key on /api/v1, as on /v1', async () => {
      const answer = await call<ErrorBody>('/api/v1/webhooks');
      expectError(asResponse(answer), 401, 'unauthorized');
    });
  });

  describe("a stranger's ids and queries", () => {
    let id: string;
    beforeAll(async () => {
      const created = await runtime.tenant.post<WebhookResource>('/api/v1/webhooks', {
        url: 'https://api.example.com/strange',
        events: [],
      });
      id = created.body.id;
    });

    it.each([
      ['Unicode', 'wh_ünïcødé🎉', 404],
      ['right-to-left and zero-width', 'wh_\u202e\u200babc', 404],
      ['a path in it', '../../v1/usage', 404],
      ['huge', `wh_${'a'.repeat(100_00)}`, 400],
      ['just over the bound', 'w'.repeat(201), 400],
    ])('answers a %s id with a 4xx JSON error', async (_what, strange, status) => {
      for (const path of ['/api/v1/webhooks/get', '/v1/webhooks/delete']) {
        const method = path.endsWith('delete') ? 'DELETE' : 'GET';
        const answer = await runtime.tenant.request<ErrorBody>(
          method,
          `${path}?id=${encodeURIComponent(strange)}`,
        );
        expectError(answer, status, status === 404 ? 'not_found' : 'validation_error');
      }
      expect((await runtime.tenant.get(`/v1/webhooks/${id}`)).status).toBe(200);
    });

    it('refuses a repeated `id` with a 400 naming it, and changes nothing', async () => {
      const answer = await runtime.tenant.request<ErrorBody<{ path: string }[]>>(
        'DELETE',
        `/api/v1/webhooks/delete?id=${newWebhookId()}&id=${id}`,
      );
      expectError(answer, 400, 'validation_error');
      expect(answer.body.error.details?.map((detail) => detail.path)).toEqual(['query.id']);
      expect((await runtime.tenant.get(`/v1/webhooks/${id}`)).status).toBe(200);
    });

    it('takes `id` in the body too when it is the query id, and refuses another', async () => {
      const same = await runtime.tenant.put<WebhookResource>(`/api/v1/webhooks/update?id=${id}`, {
        id,
        description: 'same id',
      });
      expect(same.status, JSON.stringify(same.body)).toBe(200);
      expect(same.body.description).toBe('same id');
      const other = await runtime.tenant.put<ErrorBody<{ path: string }[]>>(`/v1/webhooks/update?id=${id}`, {
        id: newWebhookId(),
        description: 'other id',
      });
      expectError(other, 400, 'validation_error');
      expect(other.body.error.details?.map((detail) => detail.path)).toEqual(['body.id']);
      const rotate = await runtime.tenant.post<ErrorBody>(`/v1/webhooks/rotate-secret?id=${id}`, {
        id: 'wh_other',
      });
      expectError(rotate, 400, 'validation_error');
      expect((await runtime.tenant.get<WebhookResource>(`/v1/webhooks/${id}`)).body.description).toBe(
        'same id',
      );
    });

    it('refuses an unknown query parameter and a bad partial update, changing nothing', async () => {
      const before = (await runtime.tenant.get(`/v1/webhooks/${id}`)).body;
      expectError(
        await runtime.tenant.get<ErrorBody>(`/api/v1/webhooks/get?id=${id}&expand=all`),
        400,
        'validation_error',
      );
      expectError(
        await runtime.tenant.put<ErrorBody>(`/api/v1/webhooks/update?id=${id}`, { status: 'disabled' }),
        400,
        'validation_error',
      );
      expectError(
        await runtime.tenant.put<ErrorBody>(`/api/v1/webhooks/update?id=${id}`, {}),
        400,
        'validation_error',
      );
      expect((await runtime.tenant.get(`/v1/webhooks/${id}`)).body).toEqual(before);
    });
  });
});

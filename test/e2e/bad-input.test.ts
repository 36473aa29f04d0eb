import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { type ErrorBody as ApiErrorBody, expectError } from '../support/assertions.js';
import { aWebhookBody } from '../support/factories.js';
import {
  type ApiClient,
  type ApiResponse,
  listAllWebhooks,
  startTestRuntime,
  type TestRuntime,
} from '../support/local-runtime.js';

/**
 * Bad input over real HTTP: every rejection is a 4xx with `{"error": {code, message, details?}}`,
 * never a 5xx or a stack trace, and it changes nothing (checked with a follow-up read).
 */

interface ErrorDetail {
  readonly path: string;
  readonly message: string;
}
type ErrorBody = ApiErrorBody<ErrorDetail[]>;

const MAX_BODY_BYTES = 256 * 1024;

/** A body without one of the required fields. */
function aWebhookBodyWithout(field: string): Record<string, unknown> {
  const { [field]: _dropped, ...rest } = aWebhookBody();
  return rest;
}

/** 400 validation_error whose details name `path` (and, when given, a message containing `mentions`). */
function expectValidationError(response: ApiResponse<ErrorBody>, path: string, mentions?: string): void {
  expectError(response, 400, 'validation_error');
  const details = response.body.error.details ?? [];
  const matching = details.filter((detail) => detail.path === path);
  expect(matching, JSON.stringify(details)).not.toHaveLength(0);
  if (mentions !== undefined) {
    expect(
      matching.some((detail) => detail.message.includes(mentions)),
      JSON.stringify(details),
    ).toBe(true);
  }
}

const cursorOf = (key: Record<string, unknown>): string =>
  Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');

describe('bad input', () => {
  let runtime: TestRuntime;
  let tenant: ApiClient;
  let target: WebhookResource;

  beforeAll(async () => {
    runtime = await startTestRuntime();
    tenant = runtime.tenant;
    const created = await tenant.post<WebhookResource & { secret: string }>(
      '/v1/webhooks',
      aWebhookBody({ name: 'Patch target', headers: { 'X-Team': 'billing' } }),
    );
    expect(created.status).toBe(201);
    const { secret: _secret, ...resource } = created.body;
    target = resource;
  });

  afterAll(async () => {
    await runtime?.dispose();
  });

  describe('POST /v1/webhooks', () => {
    /** Sends `body` and checks the listing is the same afterwards. */
    const createRejected = async (body: unknown): Promise<ApiResponse<ErrorBody>> => {
      const before = await listAllWebhooks(tenant);
      const response = await tenant.post<ErrorBody>('/v1/webhooks', body);
      expect(await listAllWebhooks(tenant)).toEqual(before);
      return response;
    };

    it('rejects malformed JSON with 400 invalid_json and creates nothing', async () => {
      // Act
      const response = await createRejected('{"name": "Orders", "url": ');

      // Assess
      expectError(response, 400, 'invalid_json');
    });

    it('rejects a JSON array body with 400 and creates nothing', async () => {
      // Act
      const response = await createRejected('[]');

      // Assess
      expectValidationError(response, 'body');
    });

    it('rejects a custom header named __proto__ with 400 instead of dropping it', async () => {
      // Act
      const response = await createRejected(
        '{"name":"Orders","url":"https://example.com/hook","events":[],"headers":{"__proto__":"x","X-A":"1"}}',
      );

      // Assess
      expectError(response, 400, 'validation_error');
    });

    it('rejects an empty body with 400 and creates nothing', async () => {
      // Act
      const response = await createRejected('');

      // Assess
      expectValidationError(response, 'body.url');
    });

    it.each([
      ['url', 'body.url'],
      ['events', 'body.events'],
    ])('rejects a missing %s with 400 and creates nothing', async (field, path) => {
      // Act
      const response = await createRejected(aWebhookBodyWithout(field));

      // Assess
      expectValidationError(response, path);
    });

    it.each([
      ['name as a number', { name: 42 }, 'body.name'],
      ['url as a number', { url: 42 }, 'body.url'],
      ['events as a string', { events: 'order.created' }, 'body.events'],
      ['events holding a number', { events: [42] }, 'body.events.0'],
      ['description as a number', { description: 5 }, 'body.description'],
      ['headers as an array', { headers: ['X-Team: billing'] }, 'body.headers'],
      ['a header value as a number', { headers: { 'X-Team': 7 } }, 'body.headers.X-Team'],
      ['timeout_seconds as a string', { timeout_seconds: '5' }, 'body.timeout_seconds'],
      ['timeout_seconds as a fraction', { timeout_seconds: 2.5 }, 'body.timeout_seconds'],
      ['max_retries as a string', { retry_policy: { max_retries: 'six' } }, 'body.retry_policy.max_retries'],
      ['alerting email not an email', { alerting: { email: 'not-an-email' } }, 'body.alerting.email'],
    ])('rejects %s with 400 and creates nothing', async (_label, overrides, path) => {
      // Act
      const response = await createRejected(aWebhookBody(overrides));

      // Assess
      expectValidationError(response, path);
    });

    it.each([
      ['timeout_seconds 0', { timeout_seconds: 0 }, 'body.timeout_seconds'],
      ['timeout_seconds 31', { timeout_seconds: 31 }, 'body.timeout_seconds'],
      ['max_retries 11', { retry_policy: { max_retries: 11 } }, 'body.retry_policy.max_retries'],
      [
        'empty intervals_seconds',
        { retry_policy: { intervals_seconds: [] } },
        'body.retry_policy.intervals_seconds',
      ],
      ['failure_threshold 0', { alerting: { failure_threshold: 0 } }, 'body.alerting.failure_threshold'],
      ['a repeated event type', { events: ['order.created', 'order.created'] }, 'body.events'],
      ['a description over 1000 characters', { description: 'd'.repeat(1001) }, 'body.description'],
    ])('rejects %s with 400 and creates nothing', async (_label, overrides, path) => {
      // Act
      const response = await createRejected(aWebhookBody(overrides));

      // Assess
      expectValidationError(response, path);
    });

    it.each([
      ['at the top level', { colour: 'red' }, 'body', 'colour'],
      ['in retry_policy', { retry_policy: { max_retries: 1, jitter: true } }, 'body.retry_policy', 'jitter'],
      ['in alerting', { alerting: { sms: '+15550100' } }, 'body.alerting', 'sms'],
    ])('rejects an unknown field %s with 400 and creates nothing', async (_label, overrides, path, field) => {
      // Act
      const response = await createRejected(aWebhookBody(overrides));

      // Assess
      expectValidationError(response, path, field);
    });

    it('rejects a name over 200 characters with 400 and creates nothing', async () => {
      // Act
      const response = await createRejected(aWebhookBody({ name: 'n'.repeat(201) }));

      // Assess
      expectValidationError(response, 'body.name');
    });

    it('accepts a name of exactly 200 characters', async () => {
      // Act
      const response = await tenant.post<WebhookResource>(
        '/v1/webhooks',
        aWebhookBody({ name: 'n'.repeat(200) }),
      );

      // Assess
      expect(response.status).toBe(201);
      expect(response.body.name).toHaveLength(200);
    });

    it('rejects a blank name with 400 and creates nothing', async () => {
      // Act
      const response = await createRejected(aWebhookBody({ name: '   ' }));

      // Assess
      expectValidationError(response, 'body.name');
    });

    it('rejects a body over 256 KB with 413 payload_too_large and creates nothing', async () => {
      // Prepare
      const body = JSON.stringify(aWebhookBody({ description: 'x'.repeat(MAX_BODY_BYTES) }));

      // Act
      const response = await createRejected(body);

      // Assess
      expect(Buffer.byteLength(body)).toBeGreaterThan(MAX_BODY_BYTES);
      expectError(response, 413, 'payload_too_large');
    });

    it.each([
      ['CR LF', 'billing\r\nX-Injected: 1'],
      ['LF', 'billing\nX-Injected: 1'],
      ['CR', 'billing\rX-Injected: 1'],
    ])('rejects %s in a custom header value with 400 and creates nothing', async (_label, value) => {
      // Act
      const response = await createRejected(aWebhookBody({ headers: { 'X-Team': value } }));

      // Assess
      expectValidationError(response, 'body.headers');
    });

    it('rejects CR/LF in a custom header name with 400 and creates nothing', async () => {
      // Act
      const response = await createRejected(aWebhookBody({ headers: { 'X-Team\r\nX-Injected': '1' } }));

      // Assess
      expectValidationError(response, 'body.headers');
    });

    it.each([
      'webhook-id',
      'webhook-signature',
      'Webhook-Timestamp',
      'x-webhook-signature',
      'X-Webhook-Anything',
      'content-type',
      'Content-Length',
      'host',
      'user-agent',
    ])('rejects the reserved header name %s with 400 and creates nothing', async (name) => {
      // Act
      const response = await createRejected(aWebhookBody({ headers: { [name]: 'value' } }));

      // Assess
      expectValidationError(response, 'body.headers', name);
    });

    it.each([
      ['not a URL', 'not a url'],
      ['an ftp URL', 'ftp://example.com/hook'],
      ['a javascript: URL', 'javascript:alert(1)'],
      ['a URL with credentials', 'https://user:pass@example.com/hook'],
      ['an empty URL', ''],
    ])('rejects %s with 400 and creates nothing', async (_label, url) => {
      // Act
      const response = await createRejected(aWebhookBody({ url }));

      // Assess
      expectValidationError(response, 'body.url');
    });

    it('rejects an unknown event type with 400 and creates nothing', async () => {
      // Act
      const response = await createRejected(aWebhookBody({ events: ['order.created', 'order.exploded'] }));

      // Assess
      expectValidationError(response, 'body.events', 'order.exploded');
    });

    it('rejects an event type name with illegal characters with 400 and creates nothing', async () => {
      // Act
      const response = await createRejected(aWebhookBody({ events: ['order created!'] }));

      // Assess
      expectValidationError(response, 'body.events.0');
    });
  });

  describe('PATCH /v1/webhooks/{id}', () => {
    /** Sends `body` to the target and checks it is unchanged afterwards. */
    const patchRejected = async (body: unknown): Promise<ApiResponse<ErrorBody>> => {
      const response = await tenant.patch<ErrorBody>(`/v1/webhooks/${target.id}`, body);
      const after = await tenant.get<WebhookResource>(`/v1/webhooks/${target.id}`);
      expect(after.body).toEqual(target);
      return response;
    };

    it('rejects malformed JSON with 400 invalid_json and changes nothing', async () => {
      // Act
      const response = await patchRejected('{"name": ');

      // Assess
      expectError(response, 400, 'invalid_json');
    });

    it('rejects an empty object with 400 and changes nothing', async () => {
      // Act
      const response = await patchRejected({});

      // Assess
      expectError(response, 400, 'validation_error');
    });

    it('rejects an unknown field with 400 and changes nothing', async () => {
      // Act
      const response = await patchRejected({ name: 'Renamed', secret: 'whsec_mine' });

      // Assess
      expectValidationError(response, 'body', 'secret');
    });

    it.each([
      ['name as a number', { name: 1 }, 'body.name'],
      ['status disabled', { status: 'disabled' }, 'body.status'],
      ['status as a boolean', { status: true }, 'body.status'],
      ['events as null', { events: null }, 'body.events'],
      ['a name over 200 characters', { name: 'n'.repeat(201) }, 'body.name'],
      ['CR/LF in a header value', { headers: { 'X-Team': 'a\r\nX-Injected: 1' } }, 'body.headers'],
      ['a reserved header name', { headers: { 'webhook-signature': 'v1,forged' } }, 'body.headers'],
      ['an unknown event type', { events: ['order.exploded'] }, 'body.events'],
      ['an ftp URL', { url: 'ftp://example.com/hook' }, 'body.url'],
    ])('rejects %s with 400 and changes nothing', async (_label, body, path) => {
      // Act
      const response = await patchRejected(body);

      // Assess
      expectValidationError(response, path);
    });

    it('rejects a body over 256 KB with 413 and changes nothing', async () => {
      // Act
      const response = await patchRejected({ description: 'x'.repeat(MAX_BODY_BYTES + 1) });

      // Assess
      expectError(response, 413, 'payload_too_large');
    });
  });

  describe('other write routes', () => {
    it('rejects an unknown field on rotate-secret with 400 and keeps the secret', async () => {
      // Act
      const response = await tenant.post<ErrorBody>(`/v1/webhooks/${target.id}/rotate-secret`, {
        grace_period_seconds: 60,
        keep_old: true,
      });

      // Assess
      expectValidationError(response, 'body', 'keep_old');
      const after = await tenant.get<WebhookResource>(`/v1/webhooks/${target.id}`);
      expect(after.body).toEqual(target);
    });

    it('rejects grace_period_seconds as a string with 400 and keeps the secret', async () => {
      // Act
      const response = await tenant.post<ErrorBody>(`/v1/webhooks/${target.id}/rotate-secret`, {
        grace_period_seconds: '60',
      });

      // Assess
      expectValidationError(response, 'body.grace_period_seconds');
      const after = await tenant.get<WebhookResource>(`/v1/webhooks/${target.id}`);
      expect(after.body).toEqual(target);
    });

    it('rejects a body on DELETE with 400 and deletes nothing', async () => {
      // Act
      const response = await tenant.request<ErrorBody>('DELETE', `/v1/webhooks/${target.id}`, {
        force: true,
      });

      // Assess
      expectValidationError(response, 'body', 'force');
      const after = await tenant.get<WebhookResource>(`/v1/webhooks/${target.id}`);
      expect(after.status).toBe(200);
    });

    it('rejects an unknown field on a test send with 400 and records no delivery', async () => {
      // Act
      const response = await tenant.post<ErrorBody>(`/v1/webhooks/${target.id}/test`, { payload: {} });

      // Assess
      expectValidationError(response, 'body', 'payload');
      const deliveries = await tenant.get<{ data: unknown[] }>(`/v1/webhooks/${target.id}/deliveries`);
      expect(deliveries.body.data).toEqual([]);
    });

    it.each([
      ['a missing type', { data: {} }, 'body.type'],
      ['data as an array', { type: 'order.created', data: [] }, 'body.data'],
      ['an unknown field', { type: 'order.created', data: {}, when: 'now' }, 'body'],
      // Only the service announces its endpoints' failures: a tenant cannot fake one.
      ['an operational type', { type: 'endpoint.disabled', data: {} }, 'body.type'],
    ])('rejects an event with %s with 400', async (_label, body, path) => {
      // Act
      const response = await tenant.post<ErrorBody>('/v1/events', body);

      // Assess
      expectValidationError(response, path);
    });

    it('rejects an event whose data nests 5000 levels deep with 400 (30 KB, well under the body limit)', async () => {
      // Prepare
      const depth = 5000;
      const data = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
      const body = `{"type": "order.created", "data": ${data}}`;

      // Act
      const response = await tenant.post<ErrorBody>('/v1/events', body);

      // Assess
      expect(Buffer.byteLength(body)).toBeLessThan(MAX_BODY_BYTES);
      expectError(response, 400, 'validation_error');
    });

    it('rejects an event-type example nested 1000 levels deep with 400, and the runtime keeps serving', async () => {
      // Prepare
      const depth = 1000;
      const example = `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

      // Act
      const response = await runtime.admin.put<ErrorBody>(
        '/v1/admin/event-types/deep.example',
        `{"example": ${example}}`,
      );

      // Assess
      expectError(response, 400, 'validation_error');
      expect((await tenant.get('/v1/event-types')).status).toBe(200);
    });

    it('rejects an event-type example with a number JSON cannot carry (1e400) with 400', async () => {
      // Act
      const response = await runtime.admin.put<ErrorBody>(
        '/v1/admin/event-types/big.number',
        '{"example": {"amount": 1e400}}',
      );

      // Assess
      expectError(response, 400, 'validation_error');
    });

    it('rejects a malformed JSON event with 400 invalid_json', async () => {
      // Act
      const response = await tenant.post<ErrorBody>('/v1/events', '{"type": "order.created", "data": {');

      // Assess
      expectError(response, 400, 'invalid_json');
    });
  });

  describe('query strings', () => {
    it.each([
      ['limit=0', 'query.limit'],
      ['limit=abc', 'query.limit'],
      ['limit=101', 'query.limit'],
      ['limit=-1', 'query.limit'],
      ['limit=1.5', 'query.limit'],
      ['cursor=', 'query.cursor'],
      ['colour=red', 'query'],
    ])('rejects GET /v1/webhooks?%s with 400', async (query, path) => {
      // Act
      const response = await tenant.get<ErrorBody>(`/v1/webhooks?${query}`);

      // Assess
      expectValidationError(response, path);
    });

    it.each([
      ['garbage', 'not a cursor!'],
      ['base64url that is not JSON', Buffer.from('hello').toString('base64url')],
      ['a JSON array', Buffer.from('[1,2]').toString('base64url')],
      ['another partition', cursorOf({ pk: 'ACCOUNT#acc_someone_else', sk: 'WEBHOOK#wh_x' })],
      ['a key outside webhooks', cursorOf({ pk: 'EVENTTYPE', sk: 'order.created' })],
    ])('rejects a cursor that is %s with 400', async (_label, cursor) => {
      // Act
      const response = await tenant.get<ErrorBody>(
        `/v1/webhooks?limit=2&cursor=${encodeURIComponent(cursor)}`,
      );

      // Assess
      expectError(response, 400, 'validation_error');
    });

    it.each([
      ['status=exploded', 'query.status'],
      ['limit=0', 'query.limit'],
    ])('rejects GET /v1/webhooks/{id}/deliveries?%s with 400', async (query, path) => {
      // Act
      const response = await tenant.get<ErrorBody>(`/v1/webhooks/${target.id}/deliveries?${query}`);

      // Assess
      expectValidationError(response, path);
    });

    it('rejects a garbage cursor on GET /v1/webhooks/{id}/deliveries with 400', async () => {
      // Act
      const response = await tenant.get<ErrorBody>(`/v1/webhooks/${target.id}/deliveries?cursor=%25%25%25`);

      // Assess
      expectError(response, 400, 'validation_error');
    });

    it('rejects a query string on GET /v1/webhooks/{id} with 400', async () => {
      // Act
      const response = await tenant.get<ErrorBody>(`/v1/webhooks/${target.id}?expand=secret`);

      // Assess
      expectValidationError(response, 'query', 'expand');
    });
  });

  describe('routing', () => {
    it('answers an unknown /v1 route with 404 JSON', async () => {
      // Act
      const response = await tenant.get<ErrorBody>('/v1/nothing-here');

      // Assess
      expectError(response, 404, 'not_found');
    });

    it('answers a path outside /v1 with 404 JSON', async () => {
      // Act
      const response = await tenant.get<ErrorBody>('/etc/passwd');

      // Assess
      expectError(response, 404, 'not_found');
    });

    it.each([
      ['PUT', '/v1/webhooks'],
      ['DELETE', '/v1/webhooks'],
      ['POST', '/v1/webhooks/wh_anything'],
      ['DELETE', '/v1/event-types'],
      ['DELETE', '/v1/events'],
      ['GET', '/v1/webhooks/wh_anything/rotate-secret'],
    ])('answers %s %s with 405 JSON', async (method, path) => {
      // Act
      const response = await tenant.request<ErrorBody>(method, path, method === 'GET' ? undefined : {});

      // Assess
      expectError(response, 405, 'method_not_allowed');
    });

    it('answers a malformed percent-encoding in an id with 404 JSON', async () => {
      // Act
      const response = await tenant.get<ErrorBody>('/v1/webhooks/%E0%A4%A');

      // Assess
      expectError(response, 404, 'not_found');
    });

    const LONG_ID = 'a'.repeat(2000);

    it.each([
      ['GET', '/v1/webhooks/wh_{long}', undefined],
      ['PATCH', '/v1/webhooks/wh_{long}', { name: 'x' }],
      ['DELETE', '/v1/webhooks/wh_{long}', undefined],
      ['POST', '/v1/webhooks/wh_{long}/rotate-secret', {}],
      ['POST', '/v1/webhooks/wh_{long}/test', {}],
      ['GET', '/v1/webhooks/wh_{long}/deliveries', undefined],
      ['POST', '/v1/webhooks/wh_{long}/retry-failed', {}],
      ['GET', '/v1/deliveries/dl_{long}', undefined],
      ['POST', '/v1/deliveries/dl_{long}/retry', {}],
    ])('answers %s %s with a 2000-character id with 404 JSON', async (method, template, body) => {
      // Prepare
      const path = template.replace('{long}', LONG_ID);

      // Act
      const response = await tenant.request<ErrorBody>(method, path, body);

      // Assess
      expectError(response, 404, 'not_found');
    });
  });

  describe('https-only runtime (allowHttpTargets: false)', () => {
    let httpsOnly: TestRuntime;

    beforeAll(async () => {
      httpsOnly = await startTestRuntime({ allowHttpTargets: false });
    });

    afterAll(async () => {
      await httpsOnly?.dispose();
    });

    it('rejects an http URL with 400 and creates nothing', async () => {
      // Prepare
      const before = await listAllWebhooks(httpsOnly.tenant);

      // Act
      const response = await httpsOnly.tenant.post<ErrorBody>(
        '/v1/webhooks',
        aWebhookBody({ url: 'http://example.com/hook' }),
      );

      // Assess
      expectValidationError(response, 'body.url', 'https');
      expect(await listAllWebhooks(httpsOnly.tenant)).toEqual(before);
    });

    it('accepts the same URL over https', async () => {
      // Act
      const response = await httpsOnly.tenant.post<WebhookResource>(
        '/v1/webhooks',
        aWebhookBody({ url: 'https://example.com/hook' }),
      );

      // Assess
      expect(response.status).toBe(201);
    });

    it('rejects changing a URL to http with 400 and changes nothing', async () => {
      // Prepare
      const created = await httpsOnly.tenant.post<WebhookResource & { secret: string }>(
        '/v1/webhooks',
        aWebhookBody(),
      );
      const { secret: _secret, ...before } = created.body;

      // Act
      const response = await httpsOnly.tenant.patch<ErrorBody>(`/v1/webhooks/${before.id}`, {
        url: 'http://example.com/hook',
      });

      // Assess
      expectValidationError(response, 'body.url', 'https');
      const after = await httpsOnly.tenant.get<WebhookResource>(`/v1/webhooks/${before.id}`);
      expect(after.body).toEqual(before);
    });
  });

  // Private, loopback and metadata targets (SSRF) are refused in test/e2e/ssrf.test.ts.
});

import { randomBytes } from 'node:crypto';
import { Validator } from '@seriousme/openapi-schema-validator';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashConfirmationToken, newConfirmationToken } from '../../lambdas/domain/alert-emails.js';
import { createWebhookBody } from '../../lambdas/domain/schemas.js';
import type { Route } from '../../lambdas/http/api.js';
import { aWebhookBody } from '../support/factories.js';
import { type ApiClient, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { Receiver } from '../support/receiver.js';
import { SERVED_ROUTES } from '../support/routes.js';

/**
 * GET /v1/openapi.json end to end: served without credentials, a valid OpenAPI 3.1 document,
 * derived from the router tables (every route documented, every documented operation served),
 * with response schemas the real responses satisfy and request schemas that agree with zod.
 */

type Schema = Record<string, unknown>;
interface OperationDoc {
  readonly operationId?: string;
  readonly parameters: { name: string; in: string; required: boolean }[];
  readonly requestBody?: { required: boolean; content: { 'application/json': { schema: Schema } } };
  readonly security: Record<string, string[]>[];
  readonly responses: Record<string, { content?: { 'application/json': { schema: Schema } } }>;
}
interface OpenApiDocument {
  readonly openapi: string;
  readonly paths: Record<string, Record<string, OperationDoc>>;
  readonly components: { schemas: Record<string, Schema> };
}

const routerTables = (): readonly Route[] => SERVED_ROUTES;

const operationKey = (method: string, path: string) => `${method.toUpperCase()} ${path}`;

const documentedOperations = (document: OpenApiDocument) =>
  Object.entries(document.paths).flatMap(([path, operations]) =>
    Object.entries(operations).map(([method, operation]) => ({ key: operationKey(method, path), operation })),
  );

/** A copy where every object schema with listed properties allows no others: undocumented fields fail. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== 'object' || schema === null) return schema;
  const copy = Object.fromEntries(Object.entries(schema).map(([key, value]) => [key, closed(value)]));
  if ('properties' in copy && !('additionalProperties' in copy)) copy.additionalProperties = false;
  return copy;
}

const DOCUMENT_ID = 'https://openapi.test/document';

/** Compiles schemas of the document (their `#/components/…` references resolved in it) with ajv. */
function schemaCompiler(document: OpenApiDocument) {
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats.default(ajv);
  ajv.addSchema({ $id: DOCUMENT_ID, components: closed(document.components) });
  return (schema: unknown) =>
    ajv.compile(JSON.parse(JSON.stringify(closed(schema)).replaceAll('"#/', `"${DOCUMENT_ID}#/`)));
}

interface Ids {
  receiverUrl: string;
  account: string;
  eventType: string;
  webhook: string;
  delivery: string;
  /** An alert-address confirmation token minted in Prepare. */
  confirmationToken: string;
  /** The token of the portal link the admin sample minted. */
  portalToken: string;
  /** The webhooks seed 003's samples made (POST /api/v1/webhooks, and one more in `before`). */
  seedWebhook: string;
  spareWebhook: string;
  /** The id of the API key the admin sample issued (revoked by the last admin sample). */
  apiKey: string;
}

/**
 * One valid request per documented operation, in an order that makes the next one's ids real
 * (delete last). The test fails when an operation has no sample here, or a sample no operation.
 */
interface Sample {
  readonly key: string;
  readonly as: 'anonymous' | 'tenant' | 'admin';
  readonly path?: (ids: Ids) => string;
  readonly body?: (ids: Ids) => unknown;
  readonly keep?: (body: Record<string, unknown>, ids: Ids) => void;
  /** Run first, as this tenant (to make a resource the sample then deletes). */
  readonly before?: (ids: Ids, tenant: ApiClient) => Promise<void>;
}

/** Seed 003's `?id=` operations, under one of its two prefixes (lambdas/http/seed003-routes.ts). */
const seedByQuery = (prefix: string): Sample[] => [
  {
    key: `GET ${prefix}/webhooks/get`,
    as: 'tenant',
    path: (ids) => `${prefix}/webhooks/get?id=${ids.webhook}`,
  },
  {
    key: `PUT ${prefix}/webhooks/update`,
    as: 'tenant',
    path: (ids) => `${prefix}/webhooks/update?id=${ids.webhook}`,
    body: () => ({ status: 'active' }),
  },
  {
    key: `POST ${prefix}/webhooks/rotate-secret`,
    as: 'tenant',
    path: (ids) => `${prefix}/webhooks/rotate-secret?id=${ids.webhook}`,
  },
  { key: `GET ${prefix}/webhooks/event-types`, as: 'tenant' },
];

const SAMPLES: Sample[] = [
  { key: 'GET /v1/openapi.json', as: 'anonymous' },
  {
    key: 'GET /v1/email-confirmations/{token}',
    as: 'anonymous',
    path: (ids) => `/v1/email-confirmations/${ids.confirmationToken}`,
  },
  {
    key: 'POST /v1/admin/accounts',
    as: 'admin',
    body: () => ({ name: 'Initech', plan: 'pro' }),
    keep: (body, ids) => {
      ids.account = String(body.id);
    },
  },
  {
    key: 'PATCH /v1/admin/accounts/{id}',
    as: 'admin',
    path: (ids) => `/v1/admin/accounts/${ids.account}`,
    body: () => ({ alert_emails: ['oncall@initech.example'] }),
  },
  {
    key: 'POST /v1/admin/accounts/{id}/api-keys',
    as: 'admin',
    path: (ids) => `/v1/admin/accounts/${ids.account}/api-keys`,
    body: () => ({ scopes: ['webhooks:read'], name: 'docs' }),
    keep: (body, ids) => {
      ids.apiKey = String(body.id);
    },
  },
  { key: 'GET /v1/admin/accounts', as: 'admin', path: () => '/v1/admin/accounts?limit=5' },
  { key: 'GET /v1/admin/accounts/{id}', as: 'admin', path: (ids) => `/v1/admin/accounts/${ids.account}` },
  {
    key: 'GET /v1/admin/accounts/{id}/api-keys',
    as: 'admin',
    path: (ids) => `/v1/admin/accounts/${ids.account}/api-keys`,
  },
  {
    key: 'DELETE /v1/admin/accounts/{id}/api-keys/{key_id}',
    as: 'admin',
    path: (ids) => `/v1/admin/accounts/${ids.account}/api-keys/${ids.apiKey}`,
  },
  {
    key: 'POST /v1/admin/accounts/{id}/portal-sessions',
    as: 'admin',
    path: (ids) => `/v1/admin/accounts/${ids.account}/portal-sessions`,
    body: () => ({ ttl_seconds: 600, read_only: true }),
    keep: (body, ids) => {
      ids.portalToken = String(body.url).split('#token=')[1] ?? '';
    },
  },
  { key: 'POST /v1/portal/sessions', as: 'anonymous', body: (ids) => ({ token: ids.portalToken }) },
  {
    key: 'PUT /v1/admin/event-types/{name}',
    as: 'admin',
    path: (ids) => `/v1/admin/event-types/${ids.eventType}`,
    body: () => ({ description: 'Documented', example: { invoice_id: 'inv_1' } }),
  },
  { key: 'GET /v1/event-types', as: 'tenant' },
  {
    key: 'POST /v1/webhooks',
    as: 'tenant',
    body: (ids) => aWebhookBody({ url: `${ids.receiverUrl}/hook`, events: [] }),
    keep: (body, ids) => {
      ids.webhook = String(body.id);
    },
  },
  { key: 'GET /v1/webhooks', as: 'tenant', path: () => '/v1/webhooks?limit=5' },
  { key: 'GET /v1/webhooks/{id}', as: 'tenant', path: (ids) => `/v1/webhooks/${ids.webhook}` },
  {
    key: 'PATCH /v1/webhooks/{id}',
    as: 'tenant',
    path: (ids) => `/v1/webhooks/${ids.webhook}`,
    body: () => ({ description: 'Patched' }),
  },
  {
    key: 'POST /v1/webhooks/{id}/rotate-secret',
    as: 'tenant',
    path: (ids) => `/v1/webhooks/${ids.webhook}/rotate-secret`,
    body: () => ({ grace_period_seconds: 60 }),
  },
  {
    // The receiver answers this one 400: a failed delivery, for the retry routes below.
    key: 'POST /v1/webhooks/{id}/test',
    as: 'tenant',
    path: (ids) => `/v1/webhooks/${ids.webhook}/test`,
    body: (ids) => ({ event_type: ids.eventType }),
    keep: (body, ids) => {
      ids.delivery = String(body.delivery_id);
    },
  },
  {
    key: 'GET /v1/webhooks/{id}/deliveries',
    as: 'tenant',
    path: (ids) => `/v1/webhooks/${ids.webhook}/deliveries?status=failed&limit=10`,
  },
  { key: 'GET /v1/deliveries/{id}', as: 'tenant', path: (ids) => `/v1/deliveries/${ids.delivery}` },
  {
    key: 'GET /v1/deliveries',
    as: 'tenant',
    path: (ids) => `/v1/deliveries?webhook_id=${ids.webhook}&event_type=order.created&limit=10`,
  },
  { key: 'GET /v1/events', as: 'tenant', path: () => '/v1/events?since=2020-01-01T00:00:00Z&limit=10' },
  {
    key: 'GET /v1/events/{id}',
    as: 'tenant',
    path: (ids) => `/v1/events/evt_${String(ids.delivery).split('_')[1]}`,
  },
  {
    key: 'POST /v1/deliveries/{id}/retry',
    as: 'tenant',
    path: (ids) => `/v1/deliveries/${ids.delivery}/retry`,
  },
  {
    key: 'POST /v1/webhooks/{id}/recover',
    as: 'tenant',
    path: (ids) => `/v1/webhooks/${ids.webhook}/recover`,
    body: () => ({ since: new Date(Date.now() - 3_600_000).toISOString() }),
  },
  {
    key: 'POST /v1/webhooks/{id}/retry-failed',
    as: 'tenant',
    path: (ids) => `/v1/webhooks/${ids.webhook}/retry-failed`,
  },
  { key: 'GET /v1/webhooks/{id}/stats', as: 'tenant', path: (ids) => `/v1/webhooks/${ids.webhook}/stats` },
  { key: 'GET /v1/usage', as: 'tenant' },
  {
    key: 'POST /v1/events',
    as: 'tenant',
    body: (ids) => ({ type: ids.eventType, data: { invoice_id: 'inv_2' }, idempotency_key: 'docs-1' }),
  },
  {
    key: 'POST /api/v1/webhooks',
    as: 'tenant',
    body: (ids) => ({ url: `${ids.receiverUrl}/seed`, events: [] }),
    keep: (body, ids) => {
      ids.seedWebhook = String(body.id);
    },
  },
  { key: 'GET /api/v1/webhooks', as: 'tenant' },
  ...seedByQuery('/api/v1'),
  ...seedByQuery('/v1'),
  {
    key: 'DELETE /api/v1/webhooks/delete',
    as: 'tenant',
    path: (ids) => `/api/v1/webhooks/delete?id=${ids.seedWebhook}`,
  },
  {
    key: 'DELETE /v1/webhooks/delete',
    as: 'tenant',
    before: async (ids, tenant) => {
      const created = await tenant.post<{ id: string }>('/v1/webhooks', {
        url: `${ids.receiverUrl}/spare`,
        events: [],
      });
      ids.spareWebhook = created.body.id;
    },
    path: (ids) => `/v1/webhooks/delete?id=${ids.spareWebhook}`,
  },
  { key: 'DELETE /v1/webhooks/{id}', as: 'tenant', path: (ids) => `/v1/webhooks/${ids.webhook}` },
  // Last: the account the admin samples made goes, with its key and link.
  {
    key: 'DELETE /v1/admin/accounts/{id}',
    as: 'admin',
    path: (ids) => `/v1/admin/accounts/${ids.account}`,
  },
];

describe('OpenAPI document', () => {
  let runtime: TestRuntime;
  let receiver: Receiver;
  let anonymous: ApiClient;
  let document: OpenApiDocument;

  beforeAll(async () => {
    [runtime, receiver] = await Promise.all([
      startTestRuntime(),
      Receiver.start([{ status: 400 }, { status: 200 }]),
    ]);
    anonymous = runtime.tenant.withToken(undefined);
    document = (await anonymous.get<OpenApiDocument>('/v1/openapi.json')).body;
  });

  afterAll(async () => {
    await receiver?.stop();
    await runtime?.dispose();
  });

  it('is served without an Authorization header, as OpenAPI 3.1 JSON', async () => {
    // Act
    const response = await fetch(`${runtime.url}/v1/openapi.json`);

    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const body = (await response.json()) as OpenApiDocument;
    expect(body.openapi).toMatch(/^3\.1\.\d+$/);
    expect(body).toEqual(document);
  });

  it('is a valid OpenAPI 3.1 document', async () => {
    // Prepare: a broken copy, to show the validator does reject (a response needs a description)
    const broken = structuredClone(document) as unknown as {
      paths: Record<string, Record<string, { responses: Record<string, Record<string, unknown>> }>>;
    };
    delete broken.paths['/v1/webhooks']?.get?.responses['200']?.description;

    // Act
    const result = await new Validator().validate(structuredClone(document) as never);
    const brokenResult = await new Validator().validate(broken as never);

    // Assess
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(brokenResult.valid).toBe(false);
  });

  it('documents every route of the router tables with its method, and nothing else', () => {
    // Prepare
    const routes = routerTables().map((route) => operationKey(route.method, route.path));

    // Act
    const documented = documentedOperations(document).map(({ key }) => key);

    // Assess
    expect(new Set(routes).size).toBe(routes.length);
    expect([...documented].sort()).toEqual([...routes].sort());
  });

  it('takes security, parameters and request bodies from each route', () => {
    for (const route of routerTables()) {
      // Act
      const operation = document.paths[route.path]?.[route.method.toLowerCase()];

      // Assess
      const key = operationKey(route.method, route.path);
      expect(operation?.operationId, key).toMatch(/^[a-z][A-Za-z]+$/);
      const expectedSecurity =
        route.access === 'public'
          ? []
          : route.access === 'admin'
            ? [{ sigv4: [] }]
            : [{ apiKey: [route.access] }];
      expect(operation?.security, key).toEqual(expectedSecurity);
      expect(operation?.requestBody !== undefined, key).toBe(route.body !== undefined);
      const pathParams = [...route.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => name);
      expect(
        operation?.parameters.filter((p) => p.in === 'path').map((p) => p.name),
        key,
      ).toEqual(pathParams);
      expect(
        operation?.parameters.some((p) => p.in === 'query'),
        key,
      ).toBe(route.query !== undefined);
      const success = Object.keys(operation?.responses ?? {}).filter((status) => status.startsWith('2'));
      expect(success, key).toHaveLength(1);
      expect(Object.keys(operation?.responses ?? {}), key).toContain('429');
      if (route.access !== 'public') expect(Object.keys(operation?.responses ?? {}), key).toContain('403');
      if (route.access !== 'public' && route.access !== 'admin') {
        expect(Object.keys(operation?.responses ?? {}), key).toContain('401');
      }
      if (route.body)
        expect(Object.keys(operation?.responses ?? {}), key).toEqual(expect.arrayContaining(['400', '413']));
      if (pathParams.length > 0) expect(Object.keys(operation?.responses ?? {}), key).toContain('404');
    }
    expect(document.paths['/v1/webhooks/{id}/deliveries']?.get?.parameters).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'status', in: 'query', required: false }),
        expect.objectContaining({ name: 'limit', in: 'query', required: false }),
      ]),
    );
    expect(document.paths['/v1/webhooks']?.post?.requestBody?.required).toBe(true);
    expect(document.paths['/v1/webhooks/{id}/test']?.post?.requestBody?.required).toBe(false);
  });

  it('serves every documented operation with its documented status and response schema', async () => {
    // Prepare
    expect(SAMPLES.map(({ key }) => key).sort()).toEqual(
      documentedOperations(document)
        .map(({ key }) => key)
        .sort(),
    );
    const operations = new Map(documentedOperations(document).map(({ key, operation }) => [key, operation]));
    const compile = schemaCompiler(document);
    const ids: Ids = {
      receiverUrl: receiver.url,
      account: '',
      eventType: `docs.${randomBytes(3).toString('hex')}`,
      webhook: '',
      delivery: '',
      confirmationToken: newConfirmationToken(),
      portalToken: '',
      seedWebhook: '',
      spareWebhook: '',
      apiKey: '',
    };
    const alertEmails = runtime.dependencies.alertEmails;
    const now = new Date().toISOString();
    await alertEmails.requestConfirmation(
      runtime.accountId,
      'docs@example.com',
      'docs@example.com',
      now,
      now,
    );
    await alertEmails.putToken({
      tokenHash: hashConfirmationToken(ids.confirmationToken),
      accountId: runtime.accountId,
      address: 'docs@example.com',
      expiresAt: new Date(Date.now() + 60_000).toISOString(),
    });
    const clients = { anonymous, tenant: runtime.tenant, admin: runtime.admin };

    for (const sample of SAMPLES) {
      const [method = '', template = ''] = sample.key.split(' ');
      const operation = operations.get(sample.key);
      const [status = '', response] =
        Object.entries(operation?.responses ?? {}).find(([code]) => code.startsWith('2')) ?? [];

      // Act
      await sample.before?.(ids, runtime.tenant);
      const path = sample.path?.(ids) ?? template;
      const result = await clients[sample.as].request(method, path, sample.body?.(ids));

      // Assess
      expect(result.status, `${sample.key}: ${JSON.stringify(result.body)}`).toBe(Number(status));
      const validate = compile(response?.content?.['application/json'].schema ?? { not: {} });
      expect(validate(result.body) ? [] : validate.errors, sample.key).toEqual([]);
      sample.keep?.(result.body, ids);
    }
  });

  it('documents the error shape that errors are answered with', async () => {
    // Prepare
    const validate = schemaCompiler(document)({ $ref: '#/components/schemas/Error' });

    // Act
    const notFound = await runtime.tenant.get('/v1/webhooks/wh_00000000000000000000000000');
    const invalid = await runtime.tenant.post('/v1/webhooks', { name: '' });
    const unauthorised = await anonymous.get('/v1/webhooks');

    // Assess
    for (const response of [notFound, invalid, unauthorised]) {
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(validate(response.body) ? [] : validate.errors).toEqual([]);
    }
  });

  it('describes the POST /v1/webhooks body as the zod schema validates it', () => {
    // Prepare
    const requestSchema =
      document.paths['/v1/webhooks']?.post?.requestBody?.content['application/json'].schema;
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    addFormats.default(ajv);
    const matchesDocument = ajv.compile(requestSchema ?? {});
    // Not representable in JSON Schema, so left out here: repeated event types, and names that are
    // blank once trimmed, are refused by zod but pass the document's schema.
    const samples: [string, unknown, boolean][] = [
      ['minimal', aWebhookBody(), true],
      ['every event type', aWebhookBody({ events: [] }), true],
      [
        'every field',
        aWebhookBody({
          description: 'Orders',
          headers: { 'x-team': 'billing' },
          retry_policy: { max_retries: 3, intervals_seconds: [60, 300] },
          timeout_seconds: 30,
          alerting: { email: 'ops@example.com', failure_threshold: 5 },
        }),
        true,
      ],
      ['no url', { name: 'Orders', events: [] }, false],
      ['an unknown field', aWebhookBody({ colour: 'blue' }), false],
      ['an empty name', aWebhookBody({ name: '' }), false],
      ['a name too long', aWebhookBody({ name: 'n'.repeat(201) }), false],
      ['a url that is not a string', aWebhookBody({ url: 42 }), false],
      ['a malformed event type', aWebhookBody({ events: ['order created'] }), false],
      ['a timeout above 30 s', aWebhookBody({ timeout_seconds: 31 }), false],
      ['a fractional timeout', aWebhookBody({ timeout_seconds: 2.5 }), false],
      ['no retry intervals', aWebhookBody({ retry_policy: { intervals_seconds: [] } }), false],
      ['an unknown retry field', aWebhookBody({ retry_policy: { backoff: 'linear' } }), false],
      ['a header value too long', aWebhookBody({ headers: { 'x-a': 'v'.repeat(1025) } }), false],
      ['an invalid alert email', aWebhookBody({ alerting: { email: 'not-an-email' } }), false],
    ];

    for (const [name, body, valid] of samples) {
      // Act
      const byZod = createWebhookBody.safeParse(body).success;
      const byDocument = matchesDocument(body);

      // Assess
      expect(byZod, `zod: ${name}`).toBe(valid);
      expect(byDocument, `document: ${name}`).toBe(valid);
    }
  });
});

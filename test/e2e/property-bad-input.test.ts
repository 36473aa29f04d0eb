import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookResource } from '../../lambdas/domain/resources.js';
import {
  createAccountBody,
  createApiKeyBody,
  createWebhookBody,
  publishEventBody,
  putEventTypeBody,
  updateWebhookBody,
} from '../../lambdas/domain/schemas.js';
import { type ApiClient, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

/**
 * Property-based bad input over every route with a body: random JSON, wrong types, unicode, deep
 * nesting, huge strings and non-JSON text always get a 4xx JSON error, never a 5xx, and never
 * change anything. Generated values that happen to be valid are discarded (fc.pre).
 */

const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);
let runtime: TestRuntime;
let webhookId: string;

type Snapshot = { webhooks: WebhookResource[]; eventTypes: unknown; webhook: unknown };

async function snapshot(client: ApiClient): Promise<Snapshot> {
  const webhooks = (await client.get<{ data: WebhookResource[] }>('/v1/webhooks?limit=100')).body.data;
  const eventTypes = (await client.get('/v1/event-types')).body;
  return { webhooks, eventTypes, webhook: (await client.get(`/v1/webhooks/${webhookId}`)).body };
}

/** JSON of every shape, strings with any unicode, some huge, some deeply nested. */
const jsonish = fc.oneof(
  fc.jsonValue(),
  fc.dictionary(fc.string({ unit: 'grapheme' }), fc.jsonValue()),
  fc.record({
    name: fc.oneof(fc.string({ unit: 'grapheme', maxLength: 400 }), fc.integer(), fc.constant(null)),
    url: fc.oneof(fc.webUrl(), fc.string(), fc.constant('http://169.254.169.254/latest')),
    events: fc.oneof(fc.array(fc.string()), fc.string(), fc.constant([])),
    headers: fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer())),
  }),
  fc.nat({ max: 3000 }).map((depth) => JSON.parse(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`)),
  fc.string({ minLength: 300_000, maxLength: 300_000 }).map((big) => ({ name: big })),
);
const bodies = fc.oneof(
  jsonish.map((value) => JSON.stringify(value) ?? 'null'),
  fc.string({ unit: 'binary' }),
);

/** What the server will validate: an empty body counts as `{}`; text that is not JSON is never valid. */
function asServerSees(raw: string): { json: true; value: unknown } | { json: false } {
  if (raw === '') return { json: true, value: {} };
  try {
    return { json: true, value: JSON.parse(raw) };
  } catch {
    return { json: false };
  }
}

beforeAll(async () => {
  runtime = await startTestRuntime();
  const created = await runtime.tenant.post<WebhookResource>('/v1/webhooks', {
    name: 'fuzz target',
    url: 'http://127.0.0.1:9/hook',
    events: [],
  });
  webhookId = created.body.id;
}, 60_000);

afterAll(async () => {
  await runtime.dispose();
});

const routes = [
  { method: 'POST', path: () => '/v1/webhooks', schema: createWebhookBody, admin: false },
  { method: 'PATCH', path: () => `/v1/webhooks/${webhookId}`, schema: updateWebhookBody, admin: false },
  { method: 'POST', path: () => '/v1/events', schema: publishEventBody, admin: false },
  { method: 'POST', path: () => '/v1/admin/accounts', schema: createAccountBody, admin: true },
  {
    method: 'POST',
    path: () => '/v1/admin/accounts/acc_local/api-keys',
    schema: createApiKeyBody,
    admin: true,
  },
  { method: 'PUT', path: () => '/v1/admin/event-types/fuzz.type', schema: putEventTypeBody, admin: true },
] as const;

describe.each(routes)('$method $path: random bad bodies', (route) => {
  it('always answer a 4xx JSON error and change nothing', async () => {
    // Prepare
    const before = await snapshot(runtime.tenant);

    // Act + Assess (per generated body)
    await fc.assert(
      fc.asyncProperty(bodies, async (raw) => {
        const seen = asServerSees(raw);
        fc.pre(!seen.json || !route.schema.safeParse(seen.value).success);
        const client = route.admin ? runtime.admin : runtime.tenant;
        const response = await client.request<{ error?: { code?: unknown; message?: unknown } }>(
          route.method,
          route.path(),
          raw,
        );
        expect(response.status).toBeGreaterThanOrEqual(400);
        expect(response.status).toBeLessThan(500);
        expect(typeof response.body?.error?.code).toBe('string');
        expect(typeof response.body?.error?.message).toBe('string');
      }),
      { numRuns: RUNS },
    );

    // Assess
    expect(await snapshot(runtime.tenant)).toEqual(before);
  }, 120_000);
});

describe('random ids, cursors and queries', () => {
  it('answer 4xx on every read route, never 5xx', async () => {
    // Prepare
    const before = await snapshot(runtime.tenant);
    const templates = [
      (id: string) => `/v1/webhooks/${id}`,
      (id: string) => `/v1/webhooks/${id}/deliveries`,
      (id: string) => `/v1/deliveries/${id}`,
      (id: string) => `/v1/webhooks?cursor=${id}`,
      (id: string) => `/v1/webhooks?limit=${id}`,
      (id: string) => `/v1/webhooks/${webhookId}/deliveries?cursor=${id}&status=failed`,
    ];

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }),
        fc.nat(templates.length - 1),
        async (id, which) => {
          const response = await runtime.tenant.get<{ error?: { code?: unknown } }>(
            templates[which]!(encodeURIComponent(id)),
          );
          expect(response.status).toBeGreaterThanOrEqual(400);
          expect(response.status).toBeLessThan(500);
          expect(typeof response.body?.error?.code).toBe('string');
        },
      ),
      { numRuns: RUNS * 2 },
    );
    expect(await snapshot(runtime.tenant)).toEqual(before);
  }, 120_000);
});

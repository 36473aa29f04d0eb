import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Route } from '../../lambdas/http/api.js';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { type ApiClient, eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { SERVED_ROUTES } from '../support/routes.js';

/**
 * Property-based bad input over every route the API serves, taken from its route tables: random
 * JSON, wrong types, unicode, deep nesting, huge strings and non-JSON text as bodies; random ids in
 * every path; random cursors and queries. Always a 4xx JSON error, never a 5xx, and nothing changes.
 * Generated bodies that happen to be valid are discarded (fc.pre).
 */

const RUNS = Number(process.env.PROPERTY_RUNS ?? 60);
let runtime: TestRuntime;
let webhookId: string;
let deliveryId: string;

/** Everything a bad request must leave as it was. */
type Snapshot = {
  /** As the admin sees them: every account, and the keys of the runtime's own. */
  accounts: unknown;
  apiKeys: unknown;
  webhooks: WebhookResource[];
  eventTypes: unknown;
  webhook: unknown;
  history: unknown;
  usage: unknown;
};

async function snapshot(client: ApiClient): Promise<Snapshot> {
  const webhooks = (await client.get<{ data: WebhookResource[] }>('/v1/webhooks?limit=100')).body.data;
  const eventTypes = (await client.get('/v1/event-types')).body;
  const history = (await client.get(`/v1/webhooks/${webhookId}/deliveries?limit=100`)).body;
  const usage = (await client.get('/v1/usage')).body;
  return {
    accounts: (await runtime.admin.get('/v1/admin/accounts?limit=100')).body,
    apiKeys: (await runtime.admin.get('/v1/admin/accounts/acc_local/api-keys?limit=100')).body,
    webhooks,
    eventTypes,
    webhook: (await client.get(`/v1/webhooks/${webhookId}`)).body,
    history,
    usage,
  };
}

/** A route's path with real ids of the fixtures (the fuzz target webhook, its failed delivery). */
function realPath(route: Route): string {
  return route.path
    .replace('/v1/deliveries/{id}', `/v1/deliveries/${deliveryId}`)
    .replace('/v1/webhooks/{id}', `/v1/webhooks/${webhookId}`)
    .replace('/v1/admin/accounts/{id}', '/v1/admin/accounts/acc_local')
    .replace('{name}', 'fuzz.type')
    .replace(SEED_003_ID_ROUTE, `$&?id=${webhookId}`);
}

/** Seed 003's routes that take the webhook id in `?id=` (lambdas/http/seed003-routes.ts). */
const SEED_003_ID_ROUTE = /^(\/api)?\/v1\/webhooks\/(get|update|delete|rotate-secret)$/;

/** Whether the server would accept `value` as the route's body (a route without a schema takes `{}`). */
function acceptsBody(route: Route, value: unknown): boolean {
  if (route.body) return route.body.safeParse(value).success;
  return (
    typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 0
  );
}

const clientFor = (route: Route): ApiClient => (route.access === 'admin' ? runtime.admin : runtime.tenant);

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
  // A delivery in the history (a test send to a closed port fails), for the delivery routes.
  await runtime.tenant.post(`/v1/webhooks/${webhookId}/test`, {});
  deliveryId = await eventually(async () => {
    const page = await runtime.tenant.get<{ data: { id: string }[] }>(`/v1/webhooks/${webhookId}/deliveries`);
    return page.body.data[0]?.id;
  });
}, 60_000);

afterAll(async () => {
  await runtime.dispose();
});

/** Every route that takes a request body: each write route of the three tables. */
const bodyRoutes = SERVED_ROUTES.filter((route) => route.method !== 'GET');

describe.each(bodyRoutes)('$method $path: random bad bodies', (route) => {
  it('always answer a 4xx JSON error and change nothing', async () => {
    // Prepare
    const before = await snapshot(runtime.tenant);

    // Act + Assess (per generated body)
    await fc.assert(
      fc.asyncProperty(bodies, async (raw) => {
        const seen = asServerSees(raw);
        fc.pre(!seen.json || !acceptsBody(route, seen.value));
        const response = await clientFor(route).request<{ error?: { code?: unknown; message?: unknown } }>(
          route.method,
          realPath(route),
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

/**
 * A random id for one path segment. `.` and `..` are left out: every URL client (and API Gateway)
 * resolves those segments before the request is sent, even percent-encoded, so they never reach a
 * route as an id.
 */
const randomId = fc
  .string({ unit: 'grapheme', minLength: 1, maxLength: 300 })
  .filter((id) => id !== '.' && id !== '..');

/**
 * Every route with an id in its path, with random ids. Routes whose random name could be a valid
 * new one (PUT registers an event type under any well-formed name) are left to the body fuzzing.
 */
const idRoutes = SERVED_ROUTES.filter((route) => route.path.includes('{') && route.method !== 'PUT');

describe.each(idRoutes)('$method $path: random ids', (route) => {
  it('answer a 4xx JSON error, never a 5xx, and change nothing', async () => {
    // Prepare
    const before = await snapshot(runtime.tenant);

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(randomId, async (id) => {
        const path = route.path.replace(/\{[^}]+\}/, encodeURIComponent(id));
        const response = await clientFor(route).request<{ error?: { code?: unknown } }>(
          route.method,
          path,
          route.method === 'GET' ? undefined : '{}',
        );
        expectJsonClientError(response);
      }),
      { numRuns: RUNS },
    );

    // Assess
    expect(await snapshot(runtime.tenant)).toEqual(before);
  }, 120_000);
});

/** Seed 003's `?id=` routes with random ids in the query, once or repeated, with a body they accept. */
const queryIdRoutes = SERVED_ROUTES.filter((route) => SEED_003_ID_ROUTE.test(route.path));

describe.each(queryIdRoutes)('$method $path: random ?id= values', (route) => {
  it('answer a 4xx JSON error, never a 5xx, and change nothing', async () => {
    // Prepare
    const before = await snapshot(runtime.tenant);
    const bodies: Record<string, string> = { PUT: '{"status":"paused"}', POST: '{}' };
    const body = bodies[route.method];

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(randomId, fc.boolean(), async (id, repeated) => {
        const query = `id=${encodeURIComponent(id)}${repeated ? `&id=${webhookId}` : ''}`;
        const response = await runtime.tenant.request<{ error?: { code?: unknown } }>(
          route.method,
          `${route.path}?${query}`,
          body,
        );
        expectJsonClientError(response);
      }),
      { numRuns: RUNS },
    );

    // Assess
    expect(await snapshot(runtime.tenant)).toEqual(before);
  }, 120_000);
});

/** A 4xx with a JSON error code: what every bad input must get. */
function expectJsonClientError(response: { status: number; body?: { error?: { code?: unknown } } }): void {
  expect(response.status).toBeGreaterThanOrEqual(400);
  expect(response.status).toBeLessThan(500);
  expect(typeof response.body?.error?.code).toBe('string');
}

describe('DELETE /v1/admin/accounts/{id}/api-keys/{key_id}: random key ids of a real account', () => {
  it('answer a 4xx JSON error, never a 5xx, and revoke nothing', async () => {
    // Prepare
    const before = await snapshot(runtime.tenant);

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(randomId, async (id) => {
        const response = await runtime.admin.request<{ error?: { code?: unknown } }>(
          'DELETE',
          `/v1/admin/accounts/acc_local/api-keys/${encodeURIComponent(id)}`,
        );
        expectJsonClientError(response);
      }),
      { numRuns: RUNS },
    );

    // Assess
    expect(await snapshot(runtime.tenant)).toEqual(before);
  }, 120_000);
});

/** The event of the fuzz target's failed delivery. */
const eventIdOfFixture = (): string => `evt_${deliveryId.split('_')[1]}`;

describe('bad filters of the event log and delivery search', () => {
  it.each([
    '/v1/events?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z',
    '/v1/events?since=yesterday',
    '/v1/events?until=2026-02-30T00:00:00Z',
    '/v1/events?since=2026-01-01',
    '/v1/events?limit=0',
    '/v1/events?limit=101',
    '/v1/events?type=',
    '/v1/events?colour=red',
    '/v1/deliveries?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z',
    '/v1/deliveries?status=lost',
    '/v1/deliveries?limit=-1',
    '/v1/deliveries?webhook_id=not-a-webhook',
    '/v1/deliveries?until=1969-12-31T23:59:59Z',
    '/v1/deliveries?cursor=eyJwayI6IlgifQ',
    '/v1/events?cursor=eyJhY2N0X3BrIjoiRVZFTlRTI2FjY19vdGhlciJ9',
    '/v1/webhooks/{id}/deliveries?since=2026-01-02T00:00:00Z&until=2026-01-01T00:00:00Z',
    '/v1/webhooks/{id}/deliveries?event_type=&status=failed',
    '/v1/events/{event}?limit=1000',
  ])('%s → 400 JSON', async (template) => {
    const path = template.replace('{id}', webhookId).replace('{event}', eventIdOfFixture());
    const response = await runtime.tenant.get<{ error?: { code?: unknown } }>(path);
    expect(response.status, JSON.stringify(response.body)).toBe(400);
    expect(response.body?.error?.code).toBe('validation_error');
  });
});

describe('random cursors and queries', () => {
  it('answer 4xx on the paged routes, never 5xx', async () => {
    // Prepare
    const before = await snapshot(runtime.tenant);
    const templates: readonly [ApiClient, (id: string) => string][] = [
      [runtime.tenant, (id) => `/v1/webhooks?cursor=${id}`],
      [runtime.tenant, (id) => `/v1/webhooks?limit=${id}`],
      [runtime.tenant, (id) => `/v1/webhooks/${webhookId}/deliveries?cursor=${id}&status=failed`],
      [runtime.tenant, (id) => `/v1/webhooks/${webhookId}/deliveries?status=${id}`],
      [runtime.admin, (id) => `/v1/admin/accounts?cursor=${id}`],
      [runtime.admin, (id) => `/v1/admin/accounts?limit=${id}`],
      [runtime.admin, (id) => `/v1/admin/accounts/acc_local/api-keys?cursor=${id}`],
      [runtime.tenant, (id) => `/v1/webhooks/${webhookId}/deliveries?since=${id}`],
      [runtime.tenant, (id) => `/v1/events?cursor=${id}`],
      [runtime.tenant, (id) => `/v1/events?until=${id}&type=order.created`],
      [runtime.tenant, (id) => `/v1/events/${encodeURIComponent(eventIdOfFixture())}?cursor=${id}`],
      [runtime.tenant, (id) => `/v1/deliveries?cursor=${id}`],
      [runtime.tenant, (id) => `/v1/deliveries?cursor=${id}&status=failed&event_type=order.created`],
      [runtime.tenant, (id) => `/v1/deliveries?since=${id}`],
      [runtime.tenant, (id) => `/v1/deliveries?webhook_id=${id}`],
      [runtime.tenant, (id) => `/v1/deliveries?status=${id}`],
    ];

    // Act + Assess
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: 'grapheme', minLength: 1, maxLength: 300 }),
        fc.nat(templates.length - 1),
        async (id, which) => {
          const [client, template] = templates[which]!;
          const response = await client.get<{ error?: { code?: unknown } }>(template(encodeURIComponent(id)));
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

import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newConfirmationToken } from '../../lambdas/domain/alert-emails.js';
import { deliveryIdFor, newEventId, newWebhookId } from '../../lambdas/domain/ids.js';
import { type Scope, TENANT_SCOPES } from '../../lambdas/domain/model.js';
import type { Route } from '../../lambdas/http/api.js';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { type ErrorBody, expectError } from '../support/assertions.js';
import {
  type ApiClient,
  eventually,
  listAllWebhooks,
  startTestRuntime,
  type TestRuntime,
  type WebhookPage,
} from '../support/local-runtime.js';
import { Receiver } from '../support/receiver.js';
import { SERVED_ROUTES } from '../support/routes.js';

/**
 * Tenant isolation and API-key scopes end to end (issue 6), as a matrix derived from the route
 * tables the handlers serve (management, publish, admin). For every tenant route:
 *
 * - account B's key, holding exactly the route's scope, on account A's ids answers 404, exactly as
 *   for an id that does not exist (on a route without ids: it succeeds and shows nothing of A);
 * - every key of A without the route's scope (each other combination of scopes) answers 403;
 * - no key, or a key never issued, answers 401;
 *
 * and none of these changes anything of A's (webhooks, delivery, history, receiver). Admin routes
 * answer 403 to tenant keys and to missing credentials (locally; IAM-authorised in AWS, where an
 * unsigned request gets the MISSING_AUTHENTICATION_TOKEN response, a JSON 404: docs/seed-003.md); public routes need no key and show no tenant data.
 * A route added to a table without a case in ROUTE_CASES fails the matrix.
 */

/** The event id a delivery id was derived from. */
const eventIdOf = (deliveryId: string): string => `evt_${deliveryId.split('_')[1]}`;

const routeKey = (route: Pick<Route, 'method' | 'path'>): string => `${route.method} ${route.path}`;

interface Fixtures {
  /** A URL of account B's receiver (for bodies that create something in B). */
  readonly receiverBUrl: string;
}

/** Per served route: a body it accepts (none for routes without one). */
interface RouteCase {
  readonly body?: (fixtures: Fixtures) => unknown;
  /** A public route whose path or body carries a credential: what a caller without one gets. */
  readonly withoutCredential?: 'not_found' | 'link_not_found';
  /** Seed 003's routes take the webhook id in `?id=` rather than in the path. */
  readonly idInQuery?: true;
}

const createIn = ({ receiverBUrl }: Fixtures) => ({
  url: `${receiverBUrl}/matrix`,
  events: ['order.created'],
});
/** Seed 003's `?id=` routes (lambdas/http/seed003-routes.ts), under both its prefixes. */
const SEED_003_CASES: Readonly<Record<string, RouteCase>> = Object.fromEntries(
  ['/api/v1', '/v1'].flatMap((prefix) => [
    [`GET ${prefix}/webhooks/get`, { idInQuery: true }],
    [
      `PUT ${prefix}/webhooks/update`,
      { idInQuery: true, body: () => ({ url: 'https://attacker.example/steal' }) },
    ],
    [`DELETE ${prefix}/webhooks/delete`, { idInQuery: true }],
    [`POST ${prefix}/webhooks/rotate-secret`, { idInQuery: true }],
    [`GET ${prefix}/webhooks/event-types`, {}],
  ]),
);

const ROUTE_CASES: Readonly<Record<string, RouteCase>> = {
  ...SEED_003_CASES,
  'POST /api/v1/webhooks': { body: createIn },
  'GET /api/v1/webhooks': {},
  'POST /v1/webhooks': {
    body: ({ receiverBUrl }) => ({
      name: 'Matrix',
      url: `${receiverBUrl}/matrix`,
      events: ['order.created'],
    }),
  },
  'GET /v1/webhooks': {},
  'GET /v1/webhooks/{id}': {},
  'PATCH /v1/webhooks/{id}': { body: () => ({ url: 'https://attacker.example/steal', status: 'paused' }) },
  'DELETE /v1/webhooks/{id}': {},
  'POST /v1/webhooks/{id}/rotate-secret': { body: () => ({ grace_period_seconds: 0 }) },
  'GET /v1/event-types': {},
  'GET /v1/webhooks/{id}/deliveries': {},
  'GET /v1/deliveries/{id}': {},
  'GET /v1/deliveries': {},
  'GET /v1/events': {},
  'GET /v1/events/{id}': {},
  'POST /v1/deliveries/{id}/retry': { body: () => ({}) },
  'POST /v1/webhooks/{id}/retry-failed': { body: () => ({}) },
  'POST /v1/webhooks/{id}/recover': { body: () => ({ since: new Date(Date.now() - 60_000).toISOString() }) },
  'POST /v1/webhooks/{id}/test': { body: () => ({ event_type: 'order.created' }) },
  'GET /v1/webhooks/{id}/stats': {},
  'GET /v1/usage': {},
  'GET /v1/openapi.json': {},
  // The token in the path is the credential: a made-up one confirms nothing and reveals nothing.
  'GET /v1/email-confirmations/{token}': { withoutCredential: 'not_found' },
  'POST /v1/events': { body: () => ({ type: 'order.created', data: { order_id: 'ord_matrix' } }) },
  'POST /v1/admin/accounts': { body: () => ({ name: 'Intruder' }) },
  'GET /v1/admin/accounts': {},
  'GET /v1/admin/accounts/{id}': {},
  'PATCH /v1/admin/accounts/{id}': { body: () => ({ alert_emails: ['intruder@attacker.example'] }) },
  'GET /v1/admin/accounts/{id}/api-keys': {},
  'DELETE /v1/admin/accounts/{id}/api-keys/{key_id}': {},
  'DELETE /v1/admin/accounts/{id}': {},
  'POST /v1/admin/accounts/{id}/api-keys': { body: () => ({ scopes: [...TENANT_SCOPES] }) },
  'POST /v1/admin/accounts/{id}/portal-sessions': { body: () => ({ ttl_seconds: 86_400 }) },
  // The one-time link token in the body is the credential: a made-up one opens no session.
  'POST /v1/portal/sessions': {
    body: () => ({ token: `pl_${randomBytes(32).toString('base64url')}` }),
    withoutCredential: 'link_not_found',
  },
  'PUT /v1/admin/event-types/{name}': { body: () => ({ description: 'Planted by a tenant' }) },
};

type Expectation = 'not_found' | 'link_not_found' | 'forbidden' | 'unauthorized' | 'allowed';

type Caller =
  | { readonly kind: 'key'; readonly account: 'A' | 'B'; readonly scopes: readonly Scope[] }
  | { readonly kind: 'no key' }
  | { readonly kind: 'key never issued' };

interface MatrixCase {
  readonly route: Route;
  readonly caller: Caller;
  readonly expected: Expectation;
  /** Test name. */
  readonly name: string;
}

/** Every non-empty combination of the tenant scopes. */
const SCOPE_SETS: readonly (readonly Scope[])[] = Array.from(
  { length: 2 ** TENANT_SCOPES.length - 1 },
  (_, i) => TENANT_SCOPES.filter((_scope, bit) => ((i + 1) >> bit) & 1),
);

const callerName = (caller: Caller): string =>
  caller.kind === 'key' ? `${caller.account}'s key [${caller.scopes.join(', ')}]` : caller.kind;

const hasIds = (route: Route): boolean =>
  route.path.includes('{') || ROUTE_CASES[routeKey(route)]?.idInQuery === true;

function casesFor(route: Route): MatrixCase[] {
  const make = (caller: Caller, expected: Expectation, what: string): MatrixCase => ({
    route,
    caller,
    expected,
    name: `${routeKey(route)}: ${callerName(caller)}${what} → ${expected}`,
  });
  if (route.access === 'public') {
    const refused = ROUTE_CASES[routeKey(route)]?.withoutCredential;
    if (refused) return [make({ kind: 'no key' }, refused, ', with a made-up token')];
    return [make({ kind: 'no key' }, 'allowed', ', showing no tenant data')];
  }
  if (route.access === 'admin') {
    return [
      make({ kind: 'key', account: 'A', scopes: TENANT_SCOPES }, 'forbidden', ''),
      make({ kind: 'no key' }, 'forbidden', ' (IAM-authorised)'),
    ];
  }
  const scope = route.access;
  return [
    hasIds(route)
      ? make({ kind: 'key', account: 'B', scopes: [scope] }, 'not_found', " on A's ids")
      : make({ kind: 'key', account: 'B', scopes: [scope] }, 'allowed', ', showing nothing of A'),
    ...SCOPE_SETS.filter((set) => !set.includes(scope)).map((scopes) =>
      make({ kind: 'key', account: 'A', scopes }, 'forbidden', ''),
    ),
    make({ kind: 'no key' }, 'unauthorized', ''),
    make({ kind: 'key never issued' }, 'unauthorized', ''),
  ];
}

const MATRIX: readonly MatrixCase[] = SERVED_ROUTES.flatMap(casesFor);

const STATUS_OF: Readonly<Record<Exclude<Expectation, 'allowed'>, number>> = {
  not_found: 404,
  link_not_found: 404,
  forbidden: 403,
  unauthorized: 401,
};

interface CreatedWebhook extends WebhookResource {
  readonly secret: string;
}
interface DeliverySummary {
  readonly id: string;
  readonly event_id: string;
  readonly status: string;
}
interface TestSendResult {
  readonly success: boolean;
  readonly delivery_id: string;
}
interface ApiKeyBody {
  readonly id: string;
  readonly key: string;
}

describe('tenant isolation and scopes', () => {
  let runtime: TestRuntime;
  let receiverA: Receiver;
  let receiverB: Receiver;
  /** Account A: the runtime's own account, every scope. */
  let tenantA: ApiClient;
  /** Account B: a second account made through the admin API, every scope. */
  let tenantB: ApiClient;
  let accountBId: string;
  /** The id of an API key of B's (what the admin revocation route is tried on). */
  let keyIdB: string;
  let webhookA: WebhookResource;
  let webhookB: WebhookResource;
  /** A failed delivery of A's webhook (its receiver answers 400): retrying it would change it. */
  let deliveryIdA: string;
  /** Keys by caller name: A's keys with each combination of scopes, B's with each single scope. */
  const keys = new Map<string, ApiClient>();

  const issueKey = async (accountId: string, scopes: readonly string[]): Promise<ApiClient> => {
    const issued = await runtime.admin.post<ApiKeyBody>(`/v1/admin/accounts/${accountId}/api-keys`, {
      scopes,
    });
    expect(issued.status).toBe(201);
    return runtime.tenant.withToken(issued.body.key);
  };

  const createWebhook = async (client: ApiClient, body: Record<string, unknown>) => {
    const created = await client.post<CreatedWebhook>('/v1/webhooks', { events: ['order.created'], ...body });
    expect(created.status).toBe(201);
    const { secret: _secret, ...resource } = created.body;
    return resource;
  };

  /** Everything of A's that a request could change, as A sees it. */
  const stateOfA = async () => {
    const [webhooks, delivery, history] = await Promise.all([
      listAllWebhooks(tenantA),
      tenantA.get(`/v1/deliveries/${deliveryIdA}`),
      tenantA.get(`/v1/webhooks/${webhookA.id}/deliveries`),
    ]);
    expect(delivery.status).toBe(200);
    return { webhooks, delivery: delivery.body, history: history.body, received: receiverA.requests.length };
  };

  /** The path with each `{param}` filled with the id of that resource: A's, or one that does not exist. */
  const pathFor = (route: Route, which: 'target' | 'missing'): string => {
    if (ROUTE_CASES[routeKey(route)]?.idInQuery) {
      return `${route.path}?id=${which === 'target' ? webhookA.id : newWebhookId()}`;
    }
    return route.path.replace(/\/([a-z-]+)\/\{\w+\}/g, (_match, resource: string) => {
      const ids: Record<string, Record<'target' | 'missing', string>> = {
        webhooks: { target: webhookA.id, missing: newWebhookId() },
        deliveries: { target: deliveryIdA, missing: deliveryIdFor(newEventId(Date.now()), newWebhookId()) },
        events: { target: eventIdOf(deliveryIdA), missing: newEventId(Date.now()) },
        accounts: { target: accountBId, missing: `acc_${randomBytes(8).toString('hex')}` },
        'api-keys': { target: keyIdB, missing: `key_${randomBytes(8).toString('hex')}` },
        'event-types': { target: 'matrix.planted', missing: 'matrix.planted' },
        'email-confirmations': { target: newConfirmationToken(), missing: newConfirmationToken() },
      };
      const id = ids[resource]?.[which];
      if (id === undefined) throw new Error(`No isolation fixture for ids of /${resource}/ in ${route.path}`);
      return `/${resource}/${id}`;
    });
  };

  const clientFor = (caller: Caller): ApiClient => {
    if (caller.kind === 'no key') return tenantA.withToken(undefined);
    if (caller.kind === 'key never issued') return tenantA.withToken(`ak_${randomBytes(20).toString('hex')}`);
    const client = keys.get(callerName(caller));
    if (!client) throw new Error(`No key issued for ${callerName(caller)}`);
    return client;
  };

  const send = (client: ApiClient, route: Route, path: string) => {
    const body = ROUTE_CASES[routeKey(route)]?.body?.({ receiverBUrl: receiverB.url });
    return client.request<ErrorBody>(route.method, path, body);
  };

  beforeAll(async () => {
    [runtime, receiverA, receiverB] = await Promise.all([
      startTestRuntime(),
      Receiver.start([{ status: 400, body: '{"accepted":false}' }]),
      Receiver.start(),
    ]);
    tenantA = runtime.tenant;
    const accountB = await runtime.admin.post<{ id: string }>('/v1/admin/accounts', { name: 'Account B' });
    expect(accountB.status).toBe(201);
    accountBId = accountB.body.id;
    tenantB = await issueKey(accountBId, TENANT_SCOPES);
    const keyB = await runtime.admin.post<ApiKeyBody>(`/v1/admin/accounts/${accountBId}/api-keys`, {
      scopes: ['webhooks:read'],
    });
    keyIdB = keyB.body.id;
    for (const scopes of SCOPE_SETS) {
      keys.set(callerName({ kind: 'key', account: 'A', scopes }), await issueKey(runtime.accountId, scopes));
    }
    for (const scope of TENANT_SCOPES) {
      keys.set(
        callerName({ kind: 'key', account: 'B', scopes: [scope] }),
        await issueKey(accountBId, [scope]),
      );
    }

    webhookA = await createWebhook(tenantA, { name: 'A endpoint', url: `${receiverA.url}/a` });
    const sent = await tenantA.post<TestSendResult>(`/v1/webhooks/${webhookA.id}/test`, {});
    expect(sent.status).toBe(200);
    expect(sent.body.success).toBe(false);
    deliveryIdA = sent.body.delivery_id;
    webhookA = (await tenantA.get<WebhookResource>(`/v1/webhooks/${webhookA.id}`)).body;
    webhookB = await createWebhook(tenantB, { name: 'B endpoint', url: `${receiverB.url}/b` });
  });

  afterAll(async () => {
    await Promise.all([runtime?.dispose(), receiverA?.stop(), receiverB?.stop()]);
  });

  describe('the route matrix', () => {
    it('has a case for every served route, and no case for a route not served', () => {
      // Prepare
      const served = SERVED_ROUTES.map(routeKey);

      // Act
      const withoutCase = served.filter((key) => !(key in ROUTE_CASES));
      const stale = Object.keys(ROUTE_CASES).filter((key) => !served.includes(key));

      // Assess
      expect(withoutCase).toEqual([]);
      expect(stale).toEqual([]);
      expect(new Set(served).size).toBe(served.length);
    });

    it.each(MATRIX.map((matrixCase) => [matrixCase.name, matrixCase] as const))(
      '%s',
      async (_name, { route, caller, expected }) => {
        // Prepare
        const before = await stateOfA();
        const client = clientFor(caller);

        // Act
        const response = await send(client, route, pathFor(route, 'target'));

        // Assess
        if (expected === 'allowed') {
          expect(response.status, JSON.stringify(response.body)).toBeGreaterThanOrEqual(200);
          expect(response.status).toBeLessThan(300);
          const text = JSON.stringify(response.body);
          for (const secretOfA of [webhookA.id, deliveryIdA, receiverA.url, runtime.accountId]) {
            expect(text).not.toContain(secretOfA);
          }
        } else {
          expectError(response, STATUS_OF[expected], expected);
        }
        if (expected === 'not_found') {
          // Exactly what an id that does not exist gets: nothing tells A's ids apart.
          const missing = await send(client, route, pathFor(route, 'missing'));
          expect(response.body).toEqual(missing.body);
        }
        expect(await stateOfA()).toEqual(before);
      },
    );
  });

  it("leaves B's account and keys as they were after the admin routes were tried with tenant keys", async () => {
    // Act
    const account = await runtime.admin.get<{ name: string }>(`/v1/admin/accounts/${accountBId}`);
    const listed = await runtime.admin.get<{ data: { id: string }[] }>(
      `/v1/admin/accounts/${accountBId}/api-keys`,
    );

    // Assess
    expect(account.body.name).toBe('Account B');
    expect(listed.body.data.map((key) => key.id)).toContain(keyIdB);
    expect((await tenantB.get('/v1/webhooks')).status).toBe(200);
  });

  describe('listing and publishing', () => {
    it("lists none of A's webhooks to B", async () => {
      // Act
      const listed = await listAllWebhooks(tenantB);

      // Assess
      const ids = listed.map((webhook) => webhook.id);
      expect(ids).toContain(webhookB.id);
      expect(ids).not.toContain(webhookA.id);
      expect(listed.map((webhook) => webhook.url).filter((url) => url.startsWith(receiverA.url))).toEqual([]);
    });

    it("lists none of B's webhooks to A", async () => {
      // Act
      const listed = await listAllWebhooks(tenantA);

      // Assess
      expect(listed.map((webhook) => webhook.id)).toContain(webhookA.id);
      expect(listed.map((webhook) => webhook.id)).not.toContain(webhookB.id);
    });

    it("rejects A's list cursor when B pages with it", async () => {
      // Prepare: A needs two webhooks for a next page
      await createWebhook(tenantA, { name: 'A second endpoint', url: 'https://example.com/hooks' });
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

  describe('event log and delivery search', () => {
    it("shows B none of A's events or deliveries, by filter or by cursor", async () => {
      // Prepare: two events of A in its log, so that A's first page has a cursor
      for (const order of ['ord_log_1', 'ord_log_2']) {
        const published = await tenantA.post<{ id: string }>('/v1/events', {
          type: 'order.created',
          data: { order_id: order },
        });
        expect(published.status).toBe(202);
      }
      const eventsA = await eventually(async () => {
        const page = await tenantA.get<{ data: { id: string }[]; next_cursor: string | null }>(
          '/v1/events?limit=1',
        );
        return page.body.next_cursor ? page.body : undefined;
      });
      const deliveriesA = await tenantA.get<{ data: DeliverySummary[] }>('/v1/deliveries?limit=100');
      expect(deliveriesA.body.data.map((delivery) => delivery.id)).toContain(deliveryIdA);

      // Act
      const [events, deliveries, filtered, byCursor, deliveriesByCursor] = await Promise.all([
        tenantB.get<{ data: { id: string }[] }>('/v1/events?type=order.created'),
        tenantB.get<{ data: DeliverySummary[] }>('/v1/deliveries?event_type=order.created'),
        tenantB.get<ErrorBody>(`/v1/deliveries?webhook_id=${webhookA.id}`),
        tenantB.get<ErrorBody>(`/v1/events?limit=1&cursor=${encodeURIComponent(eventsA.next_cursor ?? '')}`),
        tenantB.get<ErrorBody>(
          `/v1/deliveries?limit=1&cursor=${encodeURIComponent(
            (await tenantA.get<{ next_cursor: string }>('/v1/deliveries?limit=1')).body.next_cursor ?? 'none',
          )}`,
        ),
      ]);

      // Assess
      expect(events.status).toBe(200);
      const idsOfA = eventsA.data.map((event) => event.id);
      expect(events.body.data.map((event) => event.id).filter((id) => idsOfA.includes(id))).toEqual([]);
      expect(deliveries.status).toBe(200);
      expect(JSON.stringify(deliveries.body)).not.toContain(webhookA.id);
      expectError(filtered, 404, 'not_found');
      expectError(byCursor, 400, 'validation_error');
      expectError(deliveriesByCursor, 400, 'validation_error');
      const eventOfA = await tenantB.get<ErrorBody>(`/v1/events/${idsOfA[0]}`);
      expectError(eventOfA, 404, 'not_found');
    });
  });

  describe('authentication', () => {
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

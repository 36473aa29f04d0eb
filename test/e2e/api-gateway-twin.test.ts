import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { APIGatewayAuthorizerResult } from 'aws-lambda';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type ApiGatewayTwinOptions,
  createApiGatewayTwin,
  type ProxyHandler,
} from '../../lambdas/local/api-gateway.js';
import { ApiClient } from '../support/local-runtime.js';

/**
 * The local API Gateway twin's time limits (issue 9): each function runs under its own timeout with
 * a real `getRemainingTimeInMillis()`, the integration under API Gateway's limit, and overruns and
 * crashes answer as API Gateway does. Small fake handlers behind a real HTTP server; the limits are
 * shrunk to a few hundred milliseconds so the tests stay fast.
 */

const allow = async (): Promise<APIGatewayAuthorizerResult> => ({
  principalId: 'acc_twin',
  policyDocument: { Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }] },
  context: { accountId: 'acc_twin', scopes: 'webhooks:read webhooks:write events:publish' },
});

const answer =
  (body: unknown): ProxyHandler =>
  async () => ({ statusCode: 200, body: JSON.stringify(body) });

/** A handler that answers only after `ms`, as a slow backend would. */
const slow =
  (ms: number): ProxyHandler =>
  async () => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    return { statusCode: 200, body: JSON.stringify({ late: true }) };
  };

let server: Server | undefined;

async function startTwin(overrides: Partial<ApiGatewayTwinOptions>): Promise<ApiClient> {
  const twin = createApiGatewayTwin({
    authorizer: allow,
    adminToken: 'twin-admin',
    management: answer({ ok: true }),
    publish: answer({ ok: true }),
    admin: answer({ ok: true }),
    functionTimeoutsMs: { management: 10_000, publish: 10_000, admin: 10_000 },
    awsJson: async () => ({ status: 400, body: {} }),
    ...overrides,
  });
  server = createServer((request, response) => void twin(request, response));
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  return new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 'ak_anykey');
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise((resolve) => server?.close(resolve));
  server = undefined;
});

describe('local API Gateway twin: time limits', () => {
  it('gives the handler the time its function has left, counting down from its timeout', async () => {
    // Prepare
    const seen: number[] = [];
    const client = await startTwin({
      functionTimeoutsMs: { management: 4_000, publish: 10_000, admin: 10_000 },
      management: async (_event, context) => {
        seen.push(context.getRemainingTimeInMillis());
        await new Promise((resolve) => setTimeout(resolve, 150));
        seen.push(context.getRemainingTimeInMillis());
        return { statusCode: 200, body: '{}' };
      },
    });

    // Act
    const response = await client.get('/v1/webhooks');

    // Assess
    expect(response.status).toBe(200);
    const [first, later] = seen;
    expect(first).toBeGreaterThan(0);
    expect(first).toBeLessThanOrEqual(4_000);
    expect(later).toBeLessThan(first ?? 0);
  });

  it('answers 502 Internal server error when a function runs past its timeout', async () => {
    // Prepare
    const client = await startTwin({
      functionTimeoutsMs: { management: 200, publish: 10_000, admin: 10_000 },
      management: slow(2_000),
    });

    // Act
    const response = await client.post('/v1/webhooks/wh_any/test', {});

    // Assess
    expect(response.status).toBe(502);
    expect(response.body).toEqual({ message: 'Internal server error' });
  });

  it('answers 504 Endpoint request timed out when the integration runs past its limit first', async () => {
    // Prepare
    const client = await startTwin({
      functionTimeoutsMs: { management: 10_000, publish: 10_000, admin: 10_000 },
      integrationTimeoutMs: 200,
      management: slow(2_000),
    });

    // Act
    const response = await client.get('/v1/webhooks');

    // Assess
    expect(response.status).toBe(504);
    expect(response.body).toEqual({ message: 'Endpoint request timed out' });
  });

  it('applies each function its own timeout (publish, admin)', async () => {
    // Prepare
    const client = await startTwin({
      functionTimeoutsMs: { management: 10_000, publish: 200, admin: 200 },
      publish: slow(2_000),
      admin: slow(2_000),
    });

    // Act
    const published = await client.post('/v1/events', { type: 'order.created', data: {} });
    const admin = await client.withToken('twin-admin').post('/v1/admin/accounts', { name: 'Acme' });
    const management = await client.get('/v1/webhooks');

    // Assess
    expect([published.status, published.body]).toEqual([502, { message: 'Internal server error' }]);
    expect([admin.status, admin.body]).toEqual([502, { message: 'Internal server error' }]);
    expect([management.status, management.body]).toEqual([200, { ok: true }]);
  });

  it('answers 502 Internal server error when a function fails', async () => {
    // Prepare
    const client = await startTwin({
      management: async () => {
        throw new Error('crashed');
      },
    });

    // Act
    const response = await client.get('/v1/webhooks');

    // Assess
    expect(response.status).toBe(502);
    expect(response.body).toEqual({ message: 'Internal server error' });
  });
});

describe('local API Gateway twin: routes', () => {
  /** A handler that answers with the path it was given and an Allow header, as a 405 would. */
  const echo =
    (name: string): ProxyHandler =>
    async (event) => ({
      statusCode: 200,
      headers: { allow: 'GET', 'content-type': 'text/plain' },
      body: JSON.stringify({ name, path: event.path, query: event.multiValueQueryStringParameters }),
    });

  it("sends seed 003's /api/v1 paths to the management function, through the authorizer", async () => {
    // Prepare
    let authorised = 0;
    const client = await startTwin({
      management: echo('management'),
      authorizer: async () => {
        authorised += 1;
        return allow();
      },
    });

    // Act
    const response = await client.get('/api/v1/webhooks/get?id=wh_1&id=wh_2');
    const raw = await fetch(`${client.baseUrl}/api/v1/webhooks`, { headers: { authorization: 'Bearer x' } });

    // Assess
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      name: 'management',
      path: '/api/v1/webhooks/get',
      query: { id: ['wh_1', 'wh_2'] },
    });
    expect(authorised).toBe(2);
    // The function's headers reach the caller (a 405's Allow); the content type stays JSON.
    expect(raw.headers.get('allow')).toBe('GET');
    expect(raw.headers.get('content-type')).toBe('application/json');
  });

  it.each(['/nope', '/', '/api/v2/webhooks', '/apiv1/webhooks'])(
    'answers %s with the 404 the stack answers, naming the path',
    async (path) => {
      // Prepare
      const client = await startTwin({ management: echo('management') });

      // Act
      const response = await client.request('DELETE', path);

      // Assess
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: { code: 'not_found', message: `No route for DELETE ${path}` } });
    },
  );

  /** A twin whose functions and authorizer count their calls: none may run for the answers below. */
  async function countingTwin(): Promise<{ client: ApiClient; calls: string[] }> {
    const calls: string[] = [];
    const counted =
      (name: string): ProxyHandler =>
      async () => {
        calls.push(name);
        return { statusCode: 200, body: '{}' };
      };
    const client = await startTwin({
      management: counted('management'),
      publish: counted('publish'),
      admin: counted('admin'),
      authorizer: async () => {
        calls.push('authorizer');
        return allow();
      },
    });
    return { client, calls };
  }

  it.each([
    ['PUT', '/v1/events', 'GET, POST'],
    ['DELETE', '/v1/events', 'GET, POST'],
    ['POST', '/v1/events/evt_01', 'GET'],
    ['POST', '/v1/openapi.json', 'GET'],
    ['HEAD', '/v1/openapi.json', 'GET'],
    ['POST', '/v1/email-confirmations/tok_abc', 'GET'],
    ['OPTIONS', '/v1/email-confirmations/tok_abc', 'GET'],
    ['GET', '/v1/portal/sessions', 'POST'],
    ['PUT', '/v1/portal/sessions', 'POST'],
  ])(
    'answers %s %s with the 405 and Allow: %s the stack answers, before any credential',
    async (method, path, allowed) => {
      // Prepare
      const { client, calls } = await countingTwin();

      // Act: no Authorization, as the stack's mocks need none.
      const response = await fetch(`${client.baseUrl}${path}`, { method });

      // Assess
      expect(response.status).toBe(405);
      expect(response.headers.get('allow')).toBe(allowed);
      if (method !== 'HEAD') {
        expect(await response.json()).toEqual({
          error: {
            code: 'method_not_allowed',
            message: `Method ${method} is not allowed on ${path}; allowed: ${allowed}`,
          },
        });
      }
      expect(calls).toEqual([]);
    },
  );

  it.each([
    ['POST', '/v1/events', 'publish'],
    ['GET', '/v1/openapi.json', 'admin'],
    ['GET', '/v1/email-confirmations/tok_abc', 'management'],
    ['POST', '/v1/portal/sessions', 'admin'],
  ])('still sends %s %s to the %s function', async (method, path, name) => {
    // Prepare
    const { client, calls } = await countingTwin();

    // Act
    const response = await client.request(method, path, method === 'POST' ? {} : undefined);

    // Assess
    expect(response.status).toBe(200);
    expect(calls.filter((call) => call !== 'authorizer')).toEqual([name]);
  });

  it.each(['/v1/admin', '/v1/portal', '/v1/email-confirmations/'])(
    'answers %s, a resource with no method in the stack, with its 404',
    async (path) => {
      // Prepare
      const { client, calls } = await countingTwin();

      // Act
      const response = await client.request('GET', path);

      // Assess
      expect(response.status).toBe(404);
      expect(response.body).toEqual({ error: { code: 'not_found', message: `No route for GET ${path}` } });
      expect(calls).toEqual([]);
    },
  );

  it('answers an admin call without the admin token with the 403 the stack answers an unsigned one', async () => {
    // Prepare
    const { client, calls } = await countingTwin();

    // Act: a tenant key is no admin credential either.
    const anonymous = await client.withToken(undefined).get('/v1/admin/accounts');
    const tenantKey = await client.get('/v1/admin/accounts');

    // Assess
    for (const response of [anonymous, tenantKey]) {
      expect(response.status).toBe(403);
      expect(response.body).toEqual({ error: { code: 'forbidden', message: 'Admin credentials required' } });
    }
    expect(calls).toEqual([]);
  });

  it.each([
    ['quotes and backslashes', `/x"y\\z'w`],
    ['percent-encoded control characters', '/x%00%0A%1F%7F'],
    ['Unicode', '/%C3%BC%E2%80%AE%F0%9F%8E%89'],
    ['a JSON injection', '/x","code":"ok'],
  ])('answers a path with %s with a 404 that is valid JSON and names it', async (_name, path) => {
    // Prepare: raw, so that no client normalises the path first.
    const { client } = await countingTwin();
    const { port } = new URL(client.baseUrl);

    // Act
    const answer = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const outgoing = httpRequest({ host: '127.0.0.1', port, path, method: 'GET' }, (incoming) => {
        let text = '';
        incoming.setEncoding('utf8');
        incoming.on('data', (chunk: string) => {
          text += chunk;
        });
        incoming.on('end', () => resolve({ status: incoming.statusCode ?? 0, text }));
      });
      outgoing.on('error', reject);
      outgoing.end();
    });

    // Assess
    expect(answer.status).toBe(404);
    const body = JSON.parse(answer.text) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('not_found');
    expect(body.error.message).toBe(`No route for GET ${new URL(path, 'http://localhost').pathname}`);
  });
});

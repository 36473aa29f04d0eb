import { createServer, type Server } from 'node:http';
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

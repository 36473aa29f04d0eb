import type { APIGatewayProxyEvent, APIGatewayProxyResult, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createApiHandler, route } from '../../lambdas/http/api.js';

/** The API's CORS headers for the customer portal (lambdas/http/api.ts, docs/portal.md). */

const PORTAL_ORIGIN = 'https://d111111abcdef8.cloudfront.net';
const doc = { operationId: 'probe', tag: 'Meta', summary: 'probe', status: 200, schema: 'Probe' } as const;
const routes = [
  route({
    method: 'GET',
    path: '/v1/probe',
    access: 'webhooks:read',
    doc,
    handle: async () => ({ status: 200, body: { ok: true } }),
  }),
  route({
    method: 'GET',
    path: '/v1/admin/probe',
    access: 'admin',
    doc,
    handle: async () => ({ status: 200, body: { ok: true } }),
  }),
];
const tenant = { accountId: 'acc_test', scopes: 'webhooks:read', keyId: 'key_x' };

interface Request {
  readonly httpMethod?: string;
  readonly path?: string;
  readonly headers?: Record<string, string>;
  readonly authorizer?: Record<string, string>;
}

/** One request to a handler configured with `portalOrigin`. */
function call(request: Request = {}, options: { portalOrigin?: string } = { portalOrigin: PORTAL_ORIGIN }) {
  const handler = createApiHandler(routes, () => new Date(), options);
  return handler(
    {
      httpMethod: request.httpMethod ?? 'GET',
      path: request.path ?? '/v1/probe',
      headers: request.headers ?? {},
      body: null,
      requestContext: { authorizer: request.authorizer ?? tenant },
    } as unknown as APIGatewayProxyEvent,
    { getRemainingTimeInMillis: () => 10_000 } as Context,
  );
}

const allowOrigin = (response: APIGatewayProxyResult) => response.headers?.['access-control-allow-origin'];

describe('CORS for the portal origin', () => {
  it('lets the portal origin read a success, varying on Origin', async () => {
    // Act
    const response = await call({ headers: { Origin: PORTAL_ORIGIN } });
    // Assess
    expect(response.statusCode).toBe(200);
    expect(allowOrigin(response)).toBe(PORTAL_ORIGIN);
    expect(response.headers?.vary).toBe('Origin');
    expect(response.headers?.['content-type']).toBe('application/json');
  });

  it('lets the portal origin read an error the handler answers (a 401 here)', async () => {
    // Act
    const response = await call({ headers: { Origin: PORTAL_ORIGIN }, authorizer: {} });
    // Assess
    expect(response.statusCode).toBe(401);
    expect(allowOrigin(response)).toBe(PORTAL_ORIGIN);
  });

  it('matches the Origin header in lowercase too (HTTP/2 clients)', async () => {
    // Act
    const response = await call({ httpMethod: 'GET', headers: { origin: PORTAL_ORIGIN } });
    // Assess
    expect(allowOrigin(response)).toBe(PORTAL_ORIGIN);
  });

  it('gives another origin no Access-Control-Allow-Origin', async () => {
    // Act
    const response = await call({ headers: { Origin: 'https://evil.example.com' } });
    // Assess
    expect(response.statusCode).toBe(200);
    expect(allowOrigin(response)).toBeUndefined();
    expect(response.headers?.vary).toBe('Origin');
  });

  it('gives a request without Origin (a server-side client) no Access-Control-Allow-Origin', async () => {
    // Act
    const response = await call();
    // Assess
    expect(allowOrigin(response)).toBeUndefined();
  });

  it('never answers the admin routes with CORS headers, even to the portal origin', async () => {
    // Act
    const response = await call({
      headers: { Origin: PORTAL_ORIGIN },
      path: '/v1/admin/probe',
      authorizer: { admin: 'true' },
    });
    // Assess
    expect(response.statusCode).toBe(200);
    expect(allowOrigin(response)).toBeUndefined();
    expect(response.headers?.vary).toBeUndefined();
  });

  it('adds no CORS headers where no portal origin is configured', async () => {
    // Act
    const response = await call({ httpMethod: 'GET', headers: { Origin: PORTAL_ORIGIN } }, {});
    // Assess
    expect(response.headers).toEqual({ 'content-type': 'application/json' });
  });

  it('leaves preflights to API Gateway: an OPTIONS request reaching the handler is no route', async () => {
    // Act
    const response = await call({ httpMethod: 'OPTIONS', headers: { Origin: PORTAL_ORIGIN } });
    // Assess
    expect(response.statusCode).toBe(405);
    expect(response.headers?.['access-control-allow-methods']).toBeUndefined();
  });
});

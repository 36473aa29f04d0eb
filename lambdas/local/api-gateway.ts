import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';
import { API_GATEWAY_INTEGRATION_TIMEOUT_MS } from '../domain/deadlines.js';

/**
 * The local twin of API Gateway: turns HTTP requests into REST API proxy events for the same
 * handlers, running the same Lambda authorizer first. Route → function and auth mirror the stack:
 * POST /v1/events → publish (GET /v1/events, the event log → management), /v1/admin/* → admin
 * (IAM there, a bearer admin token here),
 * GET /v1/email-confirmations/{token} → public, GET /v1/openapi.json and POST /v1/portal/sessions →
 * admin without credentials (its link token is one), /v1/* and /api/v1/* (seed 003's paths) →
 * management. Any other path answers 404 `not_found` naming it, and a method the
 * method-routed resources do not serve 405 `method_not_allowed` with `Allow`, as the stack's mocks
 * do (lib/api-fallbacks.ts); an admin call without the token is 403 `forbidden`, as an unsigned one
 * is there.
 *
 * Time limits are API Gateway's and Lambda's: each function runs under its configured timeout (from
 * the synthesized stack) with a real `context.getRemainingTimeInMillis()`, and the integration under
 * the REST API's 29 s. A function that runs out its timeout or fails answers 502
 * `{"message":"Internal server error"}`; an integration that runs past 29 s answers 504
 * `{"message":"Endpoint request timed out"}`, as API Gateway does. (Lambda would freeze the
 * function; here its late result is dropped.)
 */

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
export type Authorizer = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

export interface ApiGatewayTwinOptions {
  readonly authorizer: Authorizer;
  readonly adminToken: string;
  readonly management: ProxyHandler;
  readonly publish: ProxyHandler;
  readonly admin: ProxyHandler;
  /** Each function's configured timeout, in milliseconds. */
  readonly functionTimeoutsMs: Readonly<Record<'management' | 'publish' | 'admin', number>>;
  /** @default API_GATEWAY_INTEGRATION_TIMEOUT_MS (29 s, the REST API's integration limit) */
  readonly integrationTimeoutMs?: number;
  /** Requests carrying X-Amz-Target (the AWS JSON protocol) go here: the local EventBridge. */
  readonly awsJson: (target: string, body: string) => Promise<{ status: number; body: unknown }>;
}

const GATEWAY_MAX_BODY = 10 * 1024 * 1024;
const API_ID = 'local';
const STAGE = 'prod';

/** What API Gateway answers for a function that timed out or failed (Lambda's invoke error). */
export const LAMBDA_FAILURE_BODY = { message: 'Internal server error' } as const;
/** What API Gateway answers when the integration runs past its timeout. */
export const INTEGRATION_TIMEOUT_BODY = { message: 'Endpoint request timed out' } as const;

const lambdaContext = (functionName: string, deadline: number): Context =>
  ({
    functionName,
    awsRequestId: randomUUID(),
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  }) as Context;

class BodyTooLarge extends Error {}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > GATEWAY_MAX_BODY) throw new BodyTooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function send(
  response: ServerResponse,
  status: number,
  body: unknown,
  contentType = 'application/json',
  headers: Readonly<Record<string, string | number | boolean>> = {},
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  const passed = Object.entries(headers).filter(([name]) => !/^content-(type|length)$/i.test(name));
  response.writeHead(status, {
    ...Object.fromEntries(passed.map(([name, value]) => [name.toLowerCase(), String(value)])),
    'content-type': contentType,
    'content-length': Buffer.byteLength(text),
  });
  response.end(text);
}

const gatewayError = (code: string, message: string) => ({ error: { code, message } });

/** API Gateway's answer to a path no resource serves (the stack's 404 mocks, lib/api-fallbacks.ts). */
export const noRoute = (method: string, path: string) =>
  gatewayError('not_found', `No route for ${method} ${path}`);

/**
 * The resources API Gateway itself routes by method (lib/rest-api.ts), and the methods each serves:
 * another method answers 405 before any credential is looked at, as the stack's 405 mocks do. (No
 * OPTIONS: locally the portal is same-origin, so there is no preflight, as with the portal off.)
 */
const METHOD_ROUTES: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/^\/v1\/events\/?$/, ['GET', 'POST']],
  [/^\/v1\/events\/[^/]+\/?$/, ['GET']],
  [/^\/v1\/openapi\.json\/?$/, ['GET']],
  [/^\/v1\/email-confirmations\/[^/]+\/?$/, ['GET']],
  [/^\/v1\/portal\/sessions\/?$/, ['POST']],
];

/** The stack's resources with no method of their own (the parents of routes): their mocks answer 404. */
const BARE_RESOURCES = /^\/v1\/(admin|email-confirmations|portal)\/?$/;

/**
 * What the stack's fallback mocks (lib/api-fallbacks.ts) answer for `method` on `path`, if one does:
 * 404 for a path no route serves, 405 with the methods allowed for a method its resource does not serve.
 */
export function fallbackOf(
  method: string,
  path: string,
): { status: 404 } | { status: 405; allow: readonly string[] } | undefined {
  if ((!path.startsWith('/v1/') && !path.startsWith('/api/v1/')) || BARE_RESOURCES.test(path)) {
    return { status: 404 };
  }
  const allow = METHOD_ROUTES.find(([pattern]) => pattern.test(path))?.[1];
  return allow && !allow.includes(method) ? { status: 405, allow } : undefined;
}

/** The stack's 405 mock: as the functions' router words it. */
function methodNotAllowed(method: string, path: string, allow: readonly string[]) {
  return gatewayError(
    'method_not_allowed',
    `Method ${method} is not allowed on ${path}; allowed: ${allow.join(', ')}`,
  );
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

function singleValued(headers: IncomingMessage['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value.join(',') : value;
  }
  return out;
}

function proxyEvent(
  request: IncomingMessage,
  url: URL,
  body: string,
  authorizer: Record<string, string> | undefined,
): APIGatewayProxyEvent {
  const headers = singleValued(request.headers);
  const query = Object.fromEntries(url.searchParams);
  const multiValueQuery = Object.fromEntries(
    [...url.searchParams.keys()].map((name) => [name, url.searchParams.getAll(name)]),
  );
  const method = request.method ?? 'GET';
  return {
    resource: url.pathname,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    multiValueQueryStringParameters: Object.keys(query).length > 0 ? multiValueQuery : null,
    pathParameters: null,
    stageVariables: null,
    body: body === '' ? null : body,
    isBase64Encoded: false,
    requestContext: {
      accountId: '000000000000',
      apiId: API_ID,
      authorizer: authorizer ?? null,
      protocol: 'HTTP/1.1',
      httpMethod: method,
      path: `/${STAGE}${url.pathname}`,
      stage: STAGE,
      requestId: randomUUID(),
      requestTimeEpoch: Date.now(),
      resourceId: 'local',
      resourcePath: url.pathname,
      identity: {
        sourceIp: request.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? null,
      } as APIGatewayProxyEvent['requestContext']['identity'],
    },
  } as APIGatewayProxyEvent;
}

/** Runs the tenant authorizer; undefined means API Gateway would have answered 401. */
async function authorise(
  options: ApiGatewayTwinOptions,
  request: IncomingMessage,
  url: URL,
): Promise<{ context?: Record<string, string>; status?: number }> {
  const headers = singleValued(request.headers);
  if (!headers.authorization) return { status: 401 };
  const methodArn = `arn:aws:execute-api:us-east-1:000000000000:${API_ID}/${STAGE}/${request.method}${url.pathname}`;
  try {
    const result = await options.authorizer({
      type: 'REQUEST',
      methodArn,
      resource: url.pathname,
      path: url.pathname,
      httpMethod: request.method ?? 'GET',
      headers,
      multiValueHeaders: {},
      pathParameters: {},
      queryStringParameters: {},
      multiValueQueryStringParameters: {},
      stageVariables: {},
      requestContext: {} as APIGatewayRequestAuthorizerEvent['requestContext'],
    });
    const allowed = result.policyDocument.Statement.some((statement) => statement.Effect === 'Allow');
    if (!allowed) return { status: 403 };
    const context = Object.fromEntries(
      Object.entries(result.context ?? {}).map(([name, value]) => [name, String(value)]),
    );
    return { context };
  } catch {
    return { status: 401 };
  }
}

type Invocation = { status: number; body: unknown; headers?: APIGatewayProxyResult['headers'] };

/**
 * Runs a proxy handler as Lambda behind API Gateway would: under its timeout and the integration's,
 * whichever comes first; a rejection is Lambda's invoke error.
 */
async function invoke(
  handler: ProxyHandler,
  event: APIGatewayProxyEvent,
  functionName: string,
  limits: { timeoutMs: number; integrationTimeoutMs: number },
): Promise<Invocation> {
  const deadline = Date.now() + limits.timeoutMs;
  const lambdaTimesOutFirst = limits.timeoutMs < limits.integrationTimeoutMs;
  let timer: NodeJS.Timeout | undefined;
  const overrun = new Promise<Invocation>((resolve) => {
    timer = setTimeout(
      () => {
        if (lambdaTimesOutFirst) {
          console.error(
            `${functionName}: Task timed out after ${(limits.timeoutMs / 1000).toFixed(2)} seconds`,
          );
          resolve({ status: 502, body: LAMBDA_FAILURE_BODY });
        } else {
          console.error(`${functionName}: integration timed out after ${limits.integrationTimeoutMs} ms`);
          resolve({ status: 504, body: INTEGRATION_TIMEOUT_BODY });
        }
      },
      Math.min(limits.timeoutMs, limits.integrationTimeoutMs),
    );
  });
  const run = handler(event, lambdaContext(functionName, deadline)).then(
    (result): Invocation => ({ status: result.statusCode, body: result.body, headers: result.headers }),
    (error: unknown): Invocation => {
      console.error(`${functionName}: invocation failed`, error);
      return { status: 502, body: LAMBDA_FAILURE_BODY };
    },
  );
  try {
    return await Promise.race([run, overrun]);
  } finally {
    clearTimeout(timer);
  }
}

/** The routes without an authorizer in the stack (lib/rest-api.ts), and the function serving each. */
function publicRoute(method: string | undefined, path: string): 'admin' | 'management' | undefined {
  // The portal-link exchange: its one-time token is the credential.
  if (method === 'POST' && /^\/v1\/portal\/sessions\/?$/.test(path)) return 'admin';
  // The API description (the admin function's too) and the links in alert-address confirmation mails.
  if (method === 'GET' && path === '/v1/openapi.json') return 'admin';
  return method === 'GET' && /^\/v1\/email-confirmations\/[^/]+\/?$/.test(path) ? 'management' : undefined;
}

export function createApiGatewayTwin(options: ApiGatewayTwinOptions) {
  const integrationTimeoutMs = options.integrationTimeoutMs ?? API_GATEWAY_INTEGRATION_TIMEOUT_MS;
  const limits = (name: keyof ApiGatewayTwinOptions['functionTimeoutsMs']) => ({
    timeoutMs: options.functionTimeoutsMs[name],
    integrationTimeoutMs,
  });
  return async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    try {
      const url = new URL(request.url ?? '/', 'http://localhost');
      let body: string;
      try {
        body = await readBody(request);
      } catch (error) {
        if (error instanceof BodyTooLarge) {
          send(response, 413, gatewayError('payload_too_large', 'Request body too large'));
          return;
        }
        throw error;
      }
      const target = request.headers['x-amz-target'];
      if (typeof target === 'string') {
        const result = await options.awsJson(target, body);
        send(response, result.status, result.body, 'application/x-amz-json-1.1');
        return;
      }
      const path = url.pathname;
      const method = request.method ?? 'GET';
      const fallback = fallbackOf(method, path);
      if (fallback?.status === 404) {
        send(response, 404, noRoute(method, path));
        return;
      }
      if (fallback?.status === 405) {
        const allow = fallback.allow;
        send(response, 405, methodNotAllowed(method, path, allow), undefined, { allow: allow.join(', ') });
        return;
      }
      if (path.startsWith('/v1/admin/')) {
        const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
        if (!sameSecret(bearer, options.adminToken)) {
          send(response, 403, gatewayError('forbidden', 'Admin credentials required'));
          return;
        }
        const result = await invoke(
          options.admin,
          proxyEvent(request, url, body, { admin: 'true' }),
          'admin-api',
          limits('admin'),
        );
        send(response, result.status, result.body, undefined, result.headers);
        return;
      }
      const open = publicRoute(request.method, path);
      if (open) {
        const result = await invoke(
          options[open],
          proxyEvent(request, url, body, undefined),
          `${open}-api`,
          limits(open),
        );
        send(response, result.status, result.body, undefined, result.headers);
        return;
      }
      const auth = await authorise(options, request, url);
      if (auth.status) {
        const [code, message] =
          auth.status === 401 ? ['unauthorized', 'Unauthorized'] : ['forbidden', 'Forbidden'];
        send(response, auth.status, gatewayError(code, message));
        return;
      }
      // GET /v1/events (the event log) is the management function's, as in the stack.
      const isPublish = (path === '/v1/events' || path === '/v1/events/') && request.method !== 'GET';
      const result = await invoke(
        isPublish ? options.publish : options.management,
        proxyEvent(request, url, body, auth.context),
        isPublish ? 'publish-api' : 'management-api',
        limits(isPublish ? 'publish' : 'management'),
      );
      send(response, result.status, result.body, undefined, result.headers);
    } catch (error) {
      console.error('local gateway error', error);
      if (!response.headersSent) send(response, 500, gatewayError('internal_error', 'Internal server error'));
    }
  };
}

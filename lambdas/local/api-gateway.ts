import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayProxyEvent,
  APIGatewayProxyResult,
  APIGatewayRequestAuthorizerEvent,
  Context,
} from 'aws-lambda';

/**
 * The local twin of API Gateway: turns HTTP requests into REST API proxy events for the same
 * handlers, running the same Lambda authorizer first. Route → function and auth mirror the stack:
 * /v1/events → publish, /v1/admin/* → admin (IAM there, a bearer admin token here),
 * /v1/openapi.json and GET /v1/email-confirmations/{token} → public, /v1/* → management.
 */

export type ProxyHandler = (event: APIGatewayProxyEvent, context: Context) => Promise<APIGatewayProxyResult>;
export type Authorizer = (event: APIGatewayRequestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

export interface ApiGatewayTwinOptions {
  readonly authorizer: Authorizer;
  readonly adminToken: string;
  readonly management: ProxyHandler;
  readonly publish: ProxyHandler;
  readonly admin: ProxyHandler;
  /** Requests carrying X-Amz-Target (the AWS JSON protocol) go here: the local EventBridge. */
  readonly awsJson: (target: string, body: string) => Promise<{ status: number; body: unknown }>;
}

const GATEWAY_MAX_BODY = 10 * 1024 * 1024;
const API_ID = 'local';
const STAGE = 'prod';

const lambdaContext = (functionName: string): Context =>
  ({
    functionName,
    awsRequestId: randomUUID(),
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:us-east-1:000000000000:function:${functionName}`,
    memoryLimitInMB: '512',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: 'local',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 29_000,
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
): void {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  response.writeHead(status, { 'content-type': contentType, 'content-length': Buffer.byteLength(text) });
  response.end(text);
}

const gatewayError = (code: string, message: string) => ({ error: { code, message } });

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
  const method = request.method ?? 'GET';
  return {
    resource: url.pathname,
    path: url.pathname,
    httpMethod: method,
    headers,
    multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([name, value]) => [name, [value]])),
    queryStringParameters: Object.keys(query).length > 0 ? query : null,
    multiValueQueryStringParameters: null,
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

export function createApiGatewayTwin(options: ApiGatewayTwinOptions) {
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
      if (!path.startsWith('/v1/')) {
        send(response, 404, gatewayError('not_found', 'Not found'));
        return;
      }
      if (path.startsWith('/v1/admin/')) {
        const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1] ?? '';
        if (!sameSecret(bearer, options.adminToken)) {
          send(response, 403, gatewayError('forbidden', 'Admin credentials required'));
          return;
        }
        const result = await options.admin(
          proxyEvent(request, url, body, { admin: 'true' }),
          lambdaContext('admin-api'),
        );
        send(response, result.statusCode, result.body);
        return;
      }
      // Public routes (no authorizer in the stack either): the API description and the links in
      // alert-address confirmation mails.
      const isPublic = path === '/v1/openapi.json' || /^\/v1\/email-confirmations\/[^/]+\/?$/.test(path);
      if (isPublic && request.method === 'GET') {
        const result = await options.management(
          proxyEvent(request, url, body, undefined),
          lambdaContext('management-api'),
        );
        send(response, result.statusCode, result.body);
        return;
      }
      const auth = await authorise(options, request, url);
      if (auth.status) {
        const [code, message] =
          auth.status === 401 ? ['unauthorized', 'Unauthorized'] : ['forbidden', 'Forbidden'];
        send(response, auth.status, gatewayError(code, message));
        return;
      }
      const isPublish = path === '/v1/events' || path === '/v1/events/';
      const handler = isPublish ? options.publish : options.management;
      const result = await handler(
        proxyEvent(request, url, body, auth.context),
        lambdaContext(isPublish ? 'publish-api' : 'management-api'),
      );
      send(response, result.statusCode, result.body);
    } catch (error) {
      console.error('local gateway error', error);
      if (!response.headersSent) send(response, 500, gatewayError('internal_error', 'Internal server error'));
    }
  };
}

import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import { createError } from '@middy/util';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import * as z from 'zod/mini';
import { requestTimeLeftMs } from '../domain/deadlines.js';
import { DomainError, type ErrorCode } from '../domain/errors.js';
import type { Scope } from '../domain/model.js';
import { hasExpired } from '../domain/portal.js';
import { log } from '../logging.js';

/**
 * A small router for API Gateway proxy events. Each route names its scope and its zod schemas; one
 * middy `before` step authorises, parses and validates, so route functions only see valid input;
 * one `onError` step maps every error to a JSON body and a status code.
 */

export const MAX_BODY_BYTES = 256 * 1024;

/** Who is calling: a tenant key (from the authorizer), the platform admin, or nobody (public routes). */
export type Principal =
  | { kind: 'tenant'; accountId: string; scopes: readonly Scope[]; expiresAt?: string }
  | { kind: 'admin' }
  | { kind: 'anonymous' };

export type Access = Scope | 'admin' | 'public';

export interface ValidRequest<Body, Query> {
  readonly params: Readonly<Record<string, string>>;
  readonly body: Body;
  readonly query: Query;
  readonly principal: Principal;
  /**
   * The time this request has left, in ms: the function's remaining time and API Gateway's
   * integration limit, whichever ends first (lambdas/domain/deadlines.ts).
   */
  readonly timeLeftMs: () => number;
}

export interface RouteResult {
  readonly status: number;
  readonly body: unknown;
}

/** The OpenAPI document's tags, in the order it lists them. */
export const API_TAGS = ['Webhooks', 'Deliveries', 'Events', 'Account', 'Meta', 'Admin'] as const;
export type ApiTag = (typeof API_TAGS)[number];

/**
 * What the OpenAPI document (lambdas/http/openapi.ts) says of a route beyond what the route itself
 * defines; never read while serving.
 */
export interface RouteDoc {
  readonly operationId: string;
  readonly tag: ApiTag;
  readonly summary: string;
  /** The success status, and the name of its response schema (a component of the document). */
  readonly status: number;
  readonly schema: string;
  /** Error statuses beyond those every route of its kind can answer. */
  readonly errors?: readonly number[];
}

export interface Route<Body = unknown, Query = unknown> {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** `/v1/webhooks/{id}`: `{name}` segments become params. */
  readonly path: string;
  readonly access: Access;
  readonly doc: RouteDoc;
  readonly body?: z.ZodMiniType<Body>;
  readonly query?: z.ZodMiniType<Query>;
  readonly handle: (request: ValidRequest<Body, Query>) => Promise<RouteResult>;
}

/** Keeps each route's schema and handler types tied together inside a heterogeneous list. */
export const route = <Body, Query>(definition: Route<Body, Query>): Route => definition as unknown as Route;

export const STATUS_BY_CODE: Record<ErrorCode, number> = {
  validation_error: 400,
  invalid_json: 400,
  unauthorized: 401,
  forbidden: 403,
  plan_limit_exceeded: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  quota_exceeded: 429,
  // Portal access (docs/portal.md).
  portal_unavailable: 409,
  link_not_found: 404,
  link_used_or_expired: 410,
};

export const errorBody = (code: string, message: string, details?: unknown): string =>
  JSON.stringify({ error: details === undefined ? { code, message } : { code, message, details } });

const INTERNAL_ERROR_BODY = errorBody('internal_error', 'Internal server error');

interface MatchedRoute {
  readonly route: Route;
  readonly params: Record<string, string>;
}

/** A 405: the path is served, by other methods; the `Allow` header names them. */
export class MethodNotAllowed extends DomainError {
  constructor(
    method: string,
    path: string,
    readonly allow: readonly string[],
  ) {
    super('method_not_allowed', `Method ${method} is not allowed on ${path}; allowed: ${allow.join(', ')}`);
  }
}

/**
 * Sorts templates literal segments first, leftmost first (a total order): `/v1/webhooks/get` is
 * tried before `/v1/webhooks/{id}`, so a literal path is never read as an id.
 */
const specificity = (template: string): string =>
  template
    .split('/')
    .map((segment) => (segment.startsWith('{') ? '1' : '0'))
    .join('');

/**
 * The router: a path is served by its most specific template; a method that template's routes do
 * not serve is a 405 naming the ones they do (from the route table, whatever routes it holds).
 */
function compile(routes: readonly Route[]) {
  const templates = [...new Set(routes.map((definition) => definition.path))].sort((a, b) =>
    specificity(a).localeCompare(specificity(b)),
  );
  const compiled = templates.map((template) => {
    const names: string[] = [];
    const pattern = template.replace(/\{(\w+)\}/g, (_, paramName: string) => {
      names.push(paramName);
      return '([^/]+)';
    });
    const served = routes.filter((definition) => definition.path === template);
    return { served, names, regex: new RegExp(`^${pattern}/?$`) };
  });
  return (method: string, path: string): MatchedRoute => {
    for (const { served, names, regex } of compiled) {
      const match = regex.exec(path);
      if (!match) continue;
      const definition = served.find((candidate) => candidate.method === method);
      if (!definition)
        throw new MethodNotAllowed(
          method,
          path,
          served.map((candidate) => candidate.method),
        );
      const params: Record<string, string> = {};
      names.forEach((paramName, index) => {
        params[paramName] = safeDecode(match[index + 1] ?? '');
      });
      return { route: definition, params };
    }
    throw new DomainError('not_found', `No route for ${method} ${path}`);
  };
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new DomainError('not_found', 'Malformed path');
  }
}

export function principalOf(event: APIGatewayProxyEvent): Principal {
  const authorizer = event.requestContext?.authorizer;
  if (authorizer && typeof authorizer.accountId === 'string') {
    const scopes = typeof authorizer.scopes === 'string' ? authorizer.scopes.split(' ') : [];
    const expiresAt = typeof authorizer.expiresAt === 'string' ? { expiresAt: authorizer.expiresAt } : {};
    return { kind: 'tenant', accountId: authorizer.accountId, scopes: scopes as Scope[], ...expiresAt };
  }
  // Admin routes are IAM-authorised by API Gateway: a request only gets here signed by a principal
  // allowed to invoke them, so an IAM identity on the request context is the admin.
  if (event.requestContext?.identity?.userArn || authorizer?.admin === 'true') return { kind: 'admin' };
  return { kind: 'anonymous' };
}

/** The calling tenant's account; routes reached without one never see tenant data. */
export function tenantOf(principal: Principal): string {
  if (principal.kind !== 'tenant') throw new DomainError('not_found', 'Account not found');
  return principal.accountId;
}

function authorise(access: Access, principal: Principal, now: () => Date): void {
  if (access === 'public') return;
  if (access === 'admin') {
    if (principal.kind !== 'admin') throw new DomainError('forbidden', 'Admin credentials required');
    return;
  }
  if (principal.kind === 'anonymous') throw new DomainError('unauthorized', 'Missing or invalid API key');
  // A portal session key past its end, still allowed by a cached authorizer result (docs/portal.md).
  if (principal.kind === 'tenant' && hasExpired(principal.expiresAt, now())) {
    throw new DomainError('unauthorized', 'The portal session has expired');
  }
  if (principal.kind === 'tenant' && !principal.scopes.includes(access)) {
    throw new DomainError('forbidden', `This API key lacks the ${access} scope`);
  }
}

/**
 * `__proto__` keys would be silently dropped (or worse) by object copies downstream: refuse them.
 * Iterative, because a deeply nested body must get a 400 from the schema, not a stack overflow here.
 */
function hasPrototypeKey(value: unknown): boolean {
  const stack = [value];
  while (stack.length > 0) {
    const next = stack.pop();
    if (typeof next !== 'object' || next === null) continue;
    if (Object.hasOwn(next, '__proto__')) return true;
    stack.push(...Object.values(next));
  }
  return false;
}

function parseBody(event: APIGatewayProxyEvent): unknown {
  if (event.body === null || event.body === undefined || event.body === '') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) {
    throw new DomainError('payload_too_large', `Request body exceeds ${MAX_BODY_BYTES} bytes`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new DomainError('invalid_json', 'Request body is not valid JSON');
  }
  if (hasPrototypeKey(parsed))
    throw new DomainError('validation_error', 'The key "__proto__" is not allowed');
  return parsed;
}

function validate<T>(schema: z.ZodMiniType<T>, input: unknown, where: 'body' | 'query'): T {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw new DomainError(
    'validation_error',
    `Invalid request ${where}`,
    result.error.issues.map((issue) => ({ path: [where, ...issue.path].join('.'), message: issue.message })),
  );
}

const emptyObject = z.strictObject({});

type ParsedRequest = Omit<ValidRequest<unknown, unknown>, 'timeLeftMs'>;

function parseRequest(event: APIGatewayProxyEvent, match: MatchedRoute, now: () => Date): ParsedRequest {
  const { route: definition, params } = match;
  const principal = principalOf(event);
  authorise(definition.access, principal, now);
  const rawBody = parseBody(event);
  const body =
    definition.body === undefined
      ? validate(z.optional(emptyObject), rawBody, 'body')
      : validate(definition.body, rawBody === undefined ? {} : rawBody, 'body');
  // API Gateway keeps the last of a repeated parameter: a second `?id=` must not go unnoticed.
  const repeated = Object.entries(event.multiValueQueryStringParameters ?? {}).filter(
    ([, values]) => (values?.length ?? 0) > 1,
  );
  if (repeated.length > 0) {
    const details = repeated.map(([name]) => ({ path: `query.${name}`, message: 'must be given once' }));
    throw new DomainError('validation_error', 'Invalid request query', details);
  }
  const query = validate(definition.query ?? emptyObject, event.queryStringParameters ?? {}, 'query');
  return { params, body, query, principal };
}

/** Turns DomainErrors into exposed HTTP errors with JSON bodies; anything else becomes a bare 500. */
const domainErrorMapper = (): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => ({
  onError: async (request) => {
    const error = request.error;
    if (error instanceof DomainError) {
      const httpError = createError(
        STATUS_BY_CODE[error.code],
        errorBody(error.code, error.message, error.details),
        {
          expose: true,
        },
      );
      if (error instanceof MethodNotAllowed)
        Object.assign(httpError, { headers: { allow: error.allow.join(', ') } });
      request.error = httpError;
      return;
    }
    log.error('unhandled error', { error: String(error?.stack) });
  },
});

/**
 * CORS for the customer portal, served from another origin (docs/portal.md): a response may be read
 * by that origin alone, and those of the IAM-authorised admin routes by none. Preflights are
 * answered by API Gateway (lib/rest-api.ts). Runs after the error handler, so errors carry it too.
 */
const portalCors = (
  portalOrigin: string | undefined,
): middy.MiddlewareObj<APIGatewayProxyEvent, APIGatewayProxyResult> => {
  const addHeaders = async ({
    event,
    response,
  }: middy.Request<APIGatewayProxyEvent, APIGatewayProxyResult>) => {
    if (!portalOrigin || !response || event.path.startsWith('/v1/admin/')) return;
    const origin = event.headers?.origin ?? event.headers?.Origin;
    response.headers = {
      ...response.headers,
      vary: 'Origin',
      ...(origin === portalOrigin ? { 'access-control-allow-origin': portalOrigin } : {}),
    };
  };
  return { after: addHeaders, onError: addHeaders };
};

/**
 * `now` is the use cases' clock: it decides when a portal session key is refused. `portalOrigin` is
 * the portal's origin (`https://<host>`), which the CDK construct sets in PORTAL_ORIGIN; absent: no CORS.
 */
export function createApiHandler(
  routes: readonly Route[],
  now: () => Date = () => new Date(),
  { portalOrigin }: { readonly portalOrigin?: string } = {
    portalOrigin: process.env.PORTAL_ORIGIN || undefined,
  },
) {
  const match = compile(routes);
  const requests = new WeakMap<APIGatewayProxyEvent, { match: MatchedRoute; request: ParsedRequest }>();

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(portalCors(portalOrigin))
    .use(httpErrorHandler({ logger: false, fallbackMessage: INTERNAL_ERROR_BODY }))
    .use(domainErrorMapper())
    .before(async (request) => {
      const matched = match(request.event.httpMethod, request.event.path);
      requests.set(request.event, { match: matched, request: parseRequest(request.event, matched, now) });
    })
    .handler(async (event, context) => {
      const parsed = requests.get(event);
      if (!parsed) throw new Error('request was not parsed');
      const receivedAt = event.requestContext?.requestTimeEpoch ?? Date.now();
      const timeLeftMs = () =>
        requestTimeLeftMs({
          functionRemainingMs: context.getRemainingTimeInMillis(),
          requestReceivedAtMs: receivedAt,
          nowMs: Date.now(),
        });
      const result = await parsed.match.route.handle({ ...parsed.request, timeLeftMs });
      return {
        statusCode: result.status,
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(result.body),
      };
    });
}

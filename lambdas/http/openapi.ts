import * as z from 'zod/mini';
import { DELIVERY_STATUSES, PLANS, TENANT_SCOPES, WEBHOOK_STATUSES } from '../domain/model.js';
import { API_TAGS, MAX_BODY_BYTES, type Route, STATUS_BY_CODE } from './api.js';

/**
 * The OpenAPI 3.1 description of the REST API, derived from the route tables: paths, methods,
 * path and query parameters, request bodies (from each route's zod schemas), security (from its
 * access) and error responses. Each route carries its operation id, tag, summary and response
 * schema name (`doc`); only the response schemas are written by hand here. Built at development
 * time (`npm run openapi`, zod's JSON Schema converter is too heavy for the function bundle) into
 * openapi-document.generated.ts, which the management function serves (openapi-route.ts); a test
 * fails when the two drift apart.
 */

type Schema = Record<string, unknown>;

const json = (schema: Schema) => ({ 'application/json': { schema } });
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const orNull = (schema: Schema): Schema =>
  typeof schema.type === 'string'
    ? { ...schema, type: [schema.type, 'null'] }
    : { anyOf: [schema, { type: 'null' }] };
const string: Schema = { type: 'string' };
const integer: Schema = { type: 'integer', minimum: 0 };
const number: Schema = { type: 'number' };
const boolean: Schema = { type: 'boolean' };
const dateTime: Schema = { type: 'string', format: 'date-time' };
const oneOf = (values: readonly string[]): Schema => ({ type: 'string', enum: [...values] });
const arrayOf = (items: Schema): Schema => ({ type: 'array', items });
/** Every listed property is always present (absent values are null), unless in `optional`. */
const object = (properties: Record<string, Schema>, optional: Record<string, Schema> = {}): Schema => ({
  type: 'object',
  required: Object.keys(properties),
  properties: { ...properties, ...optional },
});

const counts = { total_deliveries: integer, successful: integer, failed: integer, success_rate: number };
/** A stats window: deliveries by final outcome, the mean response time of every attempt in it. */
const statsWindow = {
  ...counts,
  avg_response_time_ms: {
    ...orNull(integer),
    description: 'Mean response time of the attempts made (retries too); null when none was timed',
  },
};
const webhook = {
  id: string,
  name: string,
  url: string,
  description: orNull(string),
  events: { ...arrayOf(string), description: 'Event types delivered; empty = every type' },
  status: oneOf(WEBHOOK_STATUSES),
  disabled_reason: orNull(string),
  headers: { type: 'object', additionalProperties: string },
  retry_policy: object({ max_retries: integer, intervals_seconds: arrayOf(integer) }),
  timeout_seconds: integer,
  alerting: object({
    email: orNull(string),
    email_status: {
      anyOf: [oneOf(['pending_confirmation', 'confirmed']), { type: 'null' }],
      description:
        'Alerts reach `email` only once confirmed (its confirmation link was followed, or the platform set it on the account)',
    },
    failure_threshold: integer,
    recovery_cooldown_seconds: {
      ...orNull(integer),
      description: 'How long the endpoint must stay healthy before an episode closes; null = the default',
    },
  }),
  secret_prefix: orNull(string),
  stats: object(counts),
  created_at: dateTime,
  updated_at: dateTime,
};
const deliverySummary = {
  id: string,
  webhook_id: string,
  event_id: string,
  event_type: string,
  status: oneOf(DELIVERY_STATUSES),
  attempt_count: { ...integer, description: 'Every attempt made (the same in the list and the detail)' },
  attempts: { ...integer, deprecated: true, description: 'Deprecated: `attempt_count`' },
  last_status_code: orNull(integer),
  last_response_time_ms: orNull(integer),
  next_attempt_at: orNull(dateTime),
  failure_reason: orNull(string),
  created_at: dateTime,
  updated_at: dateTime,
  test: { ...boolean, description: 'A test send (POST /v1/webhooks/{id}/test)' },
};
const eventSummary = {
  id: string,
  type: string,
  created_at: dateTime,
  idempotency_key: orNull(string),
  test: { ...boolean, description: "A test send's event (POST /v1/webhooks/{id}/test)" },
  dropped: { ...boolean, description: 'Dropped by the daily quota: nothing was delivered' },
};
const page = (item: string): Schema =>
  object({ data: arrayOf(ref(item)), next_cursor: { ...orNull(string), description: 'Pass as ?cursor=' } });

/** Response schemas of the resources (lambdas/http/representations.ts and the route handlers). */
const SCHEMAS: Record<string, Schema> = {
  Error: object({
    error: object(
      { code: string, message: string },
      { details: { description: 'What was wrong, e.g. [{path, message}] for a validation error' } },
    ),
  }),
  Webhook: object(webhook),
  CreatedWebhook: object({
    ...webhook,
    secret: { type: 'string', description: 'The signing secret (whsec_…); shown only in this response' },
  }),
  WebhookPage: page('Webhook'),
  Deleted: object({ deleted: { const: true } }),
  RotatedSecret: object({ id: string, secret: string, rotated_at: dateTime }),
  TestResult: object(
    {
      success: boolean,
      delivery_id: string,
      status_code: orNull(integer),
      response_time_ms: integer,
      response_body: orNull(string),
    },
    { error: string },
  ),
  DeliverySummary: object(deliverySummary),
  DeliveryPage: page('DeliverySummary'),
  DeliveryAttempt: object({
    attempt: integer,
    status_code: orNull(integer),
    response_time_ms: integer,
    response_body: orNull(string),
    error: orNull(string),
    started_at: dateTime,
    finished_at: dateTime,
  }),
  DeliveryDetail: object({
    ...deliverySummary,
    attempts: {
      ...arrayOf(ref('DeliveryAttempt')),
      description: 'The newest attempts, oldest first; at most 50 are kept (attempts_truncated)',
    },
    attempts_truncated: { ...boolean, description: 'Older attempts were trimmed from `attempts`' },
    payload: orNull(ref('EventPayload')),
  }),
  EventSummary: object(eventSummary),
  EventPage: page('EventSummary'),
  EventDetail: object({
    ...eventSummary,
    data: { ...orNull({ type: 'object' }), description: 'null for an event dropped by the daily quota' },
    deliveries: {
      ...arrayOf(
        object({
          webhook_id: string,
          delivery_id: string,
          status: oneOf(DELIVERY_STATUSES),
          attempt_count: integer,
        }),
      ),
      description: 'One per endpoint the event was fanned out to, by webhook id; paged with limit and cursor',
    },
    deliveries_next_cursor: { ...orNull(string), description: 'Pass as ?cursor=' },
  }),
  EventPayload: object({ id: string, type: string, timestamp: dateTime, data: { type: 'object' } }),
  RetryQueued: object({ id: string, status: { const: 'pending' } }),
  Queued: object({ queued: integer }),
  RecoverQueued: object({
    queued: { ...integer, description: 'Deliveries this request queued' },
    done: {
      ...boolean,
      description: 'false: the rest of the window is being queued in the background (once each)',
    },
  }),
  WebhookStats: object({
    webhook_id: string,
    last_24h: object({
      ...statsWindow,
      deliveries: { ...integer, deprecated: true, description: 'Deprecated: `total_deliveries`' },
    }),
    all_time: object(statsWindow),
    test_sends: {
      ...object({ total: integer, successful: integer, failed: integer }),
      description: 'Test sends, all time: counted in neither last_24h nor all_time',
    },
  }),
  Usage: object({
    plan: oneOf(PLANS),
    limits: object({ max_webhooks: orNull(integer), max_events_per_day: orNull(integer) }),
    webhooks: integer,
    events_today: integer,
    dropped_today: integer,
    day: { type: 'string', format: 'date' },
  }),
  EventType: object({ name: string, description: string, example: {} }),
  EventTypeList: object({ data: arrayOf(ref('EventType')) }),
  EventAccepted: object({ id: string }),
  Account: object({
    id: string,
    name: string,
    plan: oneOf(PLANS),
    alert_email: orNull(string),
    alert_emails: {
      ...arrayOf(string),
      description: 'Alert addresses the platform vouches for: confirmed without a mail',
    },
    created_at: dateTime,
  }),
  EmailConfirmation: object({ email: string, status: oneOf(['confirmed']), confirmed_at: dateTime }),
  ApiKey: object({
    id: string,
    key: { type: 'string', description: 'The API key (ak_…); shown only in this response' },
    prefix: string,
    scopes: arrayOf(oneOf(TENANT_SCOPES)),
    name: orNull(string),
  }),
  AccountPage: page('Account'),
  ApiKeySummary: object({
    id: string,
    name: orNull(string),
    type: {
      ...oneOf(['api_key', 'portal_session']),
      description: 'A portal session key is a bearer key too',
    },
    prefix: { ...string, description: 'The first characters of the key, to tell keys apart' },
    scopes: arrayOf(oneOf(TENANT_SCOPES)),
    created_at: dateTime,
    expires_at: { ...orNull(dateTime), description: "A portal session key's end; null for an API key" },
    last_used_at: {
      ...orNull(dateTime),
      description: 'When the key was last let in, recorded at most once an hour; null = never used',
    },
  }),
  ApiKeyPage: page('ApiKeySummary'),
  PortalLink: object({
    url: { type: 'string', description: 'The one-time link: the portal URL, the token in its fragment' },
    expires_at: { ...dateTime, description: 'When the session the link opens ends' },
  }),
  PortalSession: object({
    session_key: {
      type: 'string',
      description: 'The session key (ps_…), a bearer key like an API key; shown only in this response',
    },
    account_id: string,
    read_only: { type: 'boolean' },
    expires_at: dateTime,
    scopes: arrayOf(oneOf(TENANT_SCOPES)),
    primary_color: {
      ...orNull({ type: 'string', pattern: '^#[0-9a-f]{6}$' }),
      description: "The session's primary colour (#rrggbb, lower case), as minted; null = the portal's own",
    },
    product_name: {
      ...orNull(string),
      description: 'The product name the portal shows, as minted (trimmed); null = none given',
    },
  }),
  OpenApiDocument: { type: 'object', description: 'This document' },
};

/** Error responses, shared: status → [component name, description, codes only API Gateway answers]. */
const ERRORS: Record<number, [string, string, string?]> = {
  400: ['BadRequest', 'Invalid request; nothing was changed'],
  401: ['Unauthorized', 'Missing or unknown API key'],
  403: ['Forbidden', 'The key lacks the scope, admin credentials are missing, or a plan limit is reached'],
  404: ['NotFound', "Not found (another account's ids too)"],
  409: ['Conflict', 'Conflicts with the current state'],
  410: ['Gone', 'The portal link was used already or has expired'],
  413: ['PayloadTooLarge', `The request body is larger than ${MAX_BODY_BYTES} bytes`],
  429: [
    'TooManyRequests',
    "Throttled by the API's rate limit, or the plan's daily event quota is used up",
    'rate_limited',
  ],
};

/** Each shared error response, naming the error codes (lambdas/domain/errors.ts) it carries. */
const errorResponses = () =>
  Object.fromEntries(
    Object.entries(ERRORS).map(([status, [name, description, gatewayCode]]) => {
      const codes = Object.entries(STATUS_BY_CODE)
        .filter(([, mapped]) => mapped === Number(status))
        .map(([code]) => code);
      if (gatewayCode) codes.push(gatewayCode);
      return [
        name,
        { description: `${description} (error.code: ${codes.join(', ')})`, content: json(ref('Error')) },
      ];
    }),
  );

/** zod → JSON Schema, without the `$schema` key (the document's dialect applies). */
function jsonSchema(schema: z.ZodMiniType, io: 'input' | 'output'): Schema {
  const { $schema: _, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Schema;
  return rest;
}

function parameters(definition: Route): Schema[] {
  const inPath = [...definition.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({
    name,
    in: 'path',
    required: true,
    schema: string,
  }));
  if (!definition.query) return inPath;
  // Query values arrive as strings: `input` says which are required, `output` their typed range.
  const required = (jsonSchema(definition.query, 'input').required as string[] | undefined) ?? [];
  const properties = (jsonSchema(definition.query, 'output').properties ?? {}) as Record<string, Schema>;
  const inQuery = Object.entries(properties).map(([name, schema]) => ({
    name,
    in: 'query',
    required: required.includes(name),
    schema,
  }));
  return [...inPath, ...inQuery];
}

function security(definition: Route) {
  if (definition.access === 'public') return [];
  if (definition.access === 'admin') return [{ sigv4: [] }];
  return [{ apiKey: [definition.access] }];
}

function errorStatuses(definition: Route, extra: readonly number[]): number[] {
  // 429: API Gateway throttles every route of the stage.
  const statuses = new Set([...extra, 429]);
  if (definition.body || definition.query) statuses.add(400);
  if (definition.access !== 'public' && definition.access !== 'admin') statuses.add(401);
  if (definition.access !== 'public') statuses.add(403);
  if (definition.path.includes('{')) statuses.add(404);
  if (definition.body) statuses.add(413);
  return [...statuses].sort((a, b) => a - b);
}

function operation(definition: Route) {
  const { doc } = definition;
  const responses: Record<string, unknown> = {
    [doc.status]: { description: doc.summary, content: json(ref(doc.schema)) },
  };
  for (const status of errorStatuses(definition, doc.errors ?? [])) {
    responses[status] = { $ref: `#/components/responses/${ERRORS[status]?.[0]}` };
  }
  const scope =
    definition.access === 'admin' || definition.access === 'public' ? '' : ` (${definition.access})`;
  return {
    operationId: doc.operationId,
    tags: [doc.tag],
    summary: `${doc.summary}${scope}`,
    parameters: parameters(definition),
    ...(definition.body
      ? {
          requestBody: {
            // A missing body is validated as {}: required only when {} is not a valid body.
            required: !definition.body.safeParse({}).success,
            content: json(jsonSchema(definition.body, 'input')),
          },
        }
      : {}),
    security: security(definition),
    responses,
  };
}

export function buildOpenApiDocument(routes: readonly Route[]) {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const definition of routes) {
    paths[definition.path] ??= {};
    (paths[definition.path] as Record<string, unknown>)[definition.method.toLowerCase()] =
      operation(definition);
  }
  return {
    openapi: '3.1.1',
    info: {
      title: 'serverless-webhooks',
      version: 'v1',
      description:
        'Webhook endpoints, delivery history and event publishing. Errors are always ' +
        '{"error": {"code", "message", "details"?}} and a rejected request changes nothing.',
    },
    // Relative to this document (<api root>/v1/openapi.json): the stage URL in AWS.
    servers: [{ url: '..', description: 'The API root this document is served from' }],
    tags: API_TAGS.filter((tag) => routes.some(({ doc }) => doc.tag === tag)).map((name) => ({ name })),
    paths,
    components: {
      schemas: SCHEMAS,
      responses: errorResponses(),
      securitySchemes: {
        apiKey: {
          type: 'http',
          scheme: 'bearer',
          description: 'A tenant API key (ak_…); each operation names the scope it needs.',
        },
        sigv4: {
          type: 'apiKey',
          in: 'header',
          name: 'Authorization',
          description:
            'Admin routes: AWS Signature Version 4 (IAM, execute-api:Invoke). Locally: Bearer <admin token>.',
          'x-amazon-apigateway-authtype': 'awsSigv4',
        },
      },
    },
  };
}

/** Every route the API serves, for documentation only (their handlers are never called here). */
export async function documentedRoutes(): Promise<Route[]> {
  const [{ managementRoutes }, { publishRoutes }, { adminRoutes }, { portalRoutes }] = await Promise.all([
    import('./webhook-routes.js'),
    import('./publish-routes.js'),
    import('./admin-routes.js'),
    import('./portal-routes.js'),
  ]);
  const none = (): never => {
    throw new Error('documentation only');
  };
  return [...managementRoutes(none), ...publishRoutes(none), ...adminRoutes(none), ...portalRoutes(none)];
}

import * as z from 'zod/mini';
import en from 'zod/v4/locales/en.js';
import { MAX_ACCOUNT_ALERT_EMAILS, normaliseEmail } from './alert-emails.js';
import { jsonShapeProblem, MAX_JSON_DEPTH } from './json.js';
import { PLANS, TENANT_SCOPES } from './model.js';
import {
  MAX_PORTAL_PRODUCT_NAME_LENGTH,
  MAX_PORTAL_SESSION_SECONDS,
  MIN_PORTAL_SESSION_SECONDS,
} from './portal.js';

/**
 * Request schemas of the REST API (snake_case, as the seeds). Objects are strict: an unknown field
 * is a 400, not silently ignored, so a typo never turns into a default. zod/mini keeps each Lambda
 * bundle small (the classic API weighs ~90 KB whatever is imported); English messages are loaded
 * once here.
 */
z.config(en());

export const MAX_NAME_LENGTH = 200;
const MAX_DESCRIPTION_LENGTH = 1000;
export const MAX_TIMEOUT_SECONDS = 30;
export const DEFAULT_TIMEOUT_SECONDS = 5;
export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_GRACE_PERIOD_SECONDS = 86_400;

export const eventTypeName = z
  .string()
  .check(
    z.minLength(1),
    z.maxLength(100),
    z.regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"'),
  );

const name = z.string().check(z.trim(), z.minLength(1), z.maxLength(MAX_NAME_LENGTH));
const description = z.string().check(z.maxLength(MAX_DESCRIPTION_LENGTH));
const url = z.string().check(z.minLength(1), z.maxLength(2048));
const email = z.email().check(z.maxLength(254));

const intRange = (min: number, max: number) => z.int().check(z.minimum(min), z.maximum(max));

const retryPolicy = z.strictObject({
  max_retries: z.optional(intRange(0, 10)),
  intervals_seconds: z.optional(z.array(intRange(1, 86_400)).check(z.minLength(1), z.maxLength(10))),
});

/** Longest recovery cool-down a webhook may ask for (a day). */
export const MAX_RECOVERY_COOLDOWN_SECONDS = 86_400;

const alerting = z.strictObject({
  email: z.optional(email),
  failure_threshold: z.optional(intRange(1, 100)),
  recovery_cooldown_seconds: z.optional(intRange(0, MAX_RECOVERY_COOLDOWN_SECONDS)),
});

const headers = z.record(z.string().check(z.maxLength(256)), z.string().check(z.maxLength(1024)));

const unique = <T extends string>(what: string) =>
  z.refine<T[]>((list) => new Set(list).size === list.length, `must not repeat ${what}`);

const events = z.array(eventTypeName).check(z.maxLength(100), unique<string>('an event type'));

const createWebhookShape = {
  name,
  url,
  events,
  description: z.optional(description),
  headers: z.optional(headers),
  retry_policy: z.optional(retryPolicy),
  timeout_seconds: z.optional(intRange(1, MAX_TIMEOUT_SECONDS)),
  alerting: z.optional(alerting),
  /** Created paused: subscribed, but nothing is delivered until it is resumed. */
  status: z.optional(z.enum(['active', 'paused'])),
};
export const createWebhookBody = z.strictObject(createWebhookShape);
export type CreateWebhookBody = z.infer<typeof createWebhookBody>;
/** What POST /v1/webhooks takes: `name` may be left out (seed 003's example has none). */
export const createWebhookRequest = z.strictObject({ ...createWebhookShape, name: z.optional(name) });

/** Seed 003's `?id=` routes take the query's id again in the body, if a client sends it there. */
const repeatedId = { id: z.optional(z.string()) };
const atLeastOneField = z.refine<object>(
  (body: object) => Object.keys(body).length > 0,
  'at least one field is required',
);

const updateWebhookShape = {
  name: z.optional(name),
  url: z.optional(url),
  events: z.optional(events),
  description: z.optional(description),
  headers: z.optional(headers),
  status: z.optional(z.enum(['active', 'paused'])),
  retry_policy: z.optional(retryPolicy),
  timeout_seconds: z.optional(intRange(1, MAX_TIMEOUT_SECONDS)),
  alerting: z.optional(alerting),
};
export const updateWebhookBody = z.strictObject(updateWebhookShape).check(atLeastOneField);
export const updateWebhookByQueryBody = z
  .strictObject({ ...updateWebhookShape, ...repeatedId })
  .check(atLeastOneField);
export type UpdateWebhookBody = z.infer<typeof updateWebhookBody>;

const rotateSecretShape = { grace_period_seconds: z.optional(intRange(0, 604_800)) };
export const rotateSecretBody = z.strictObject(rotateSecretShape);
export const rotateSecretByQueryBody = z.strictObject({ ...rotateSecretShape, ...repeatedId });

export const testWebhookBody = z.strictObject({ event_type: z.optional(eventTypeName) });

/** An ISO 8601 date-time with a zone (`Z` or an offset); its calendar is checked by Date.parse after. */
const isoDateTime = z
  .string()
  .check(
    z.regex(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/,
      'must be an ISO 8601 date-time with a zone, e.g. 2026-01-31T12:00:00Z',
    ),
  );

/** POST /v1/webhooks/{id}/recover: the window is checked against the clock in domain/recover.ts. */
export const recoverBody = z.strictObject({
  since: isoDateTime,
  until: z.optional(isoDateTime),
  status: z.optional(z.enum(['failed', 'all'])),
});
export type RecoverBody = z.infer<typeof recoverBody>;

/** A JSON object from a caller, bounded in depth and with finite numbers only. */
const jsonObject = z.record(z.string(), z.unknown()).check(
  z.superRefine((value, context) => {
    const problem = jsonShapeProblem(value, MAX_JSON_DEPTH - 1);
    if (problem) context.issues.push({ code: 'custom', message: problem, input: value });
  }),
);

export const idempotencyKey = z.string().check(z.minLength(1), z.maxLength(200));

/** An event's data, from the API or the bus alike. */
export const eventData = jsonObject;

export const publishEventBody = z.strictObject({
  type: eventTypeName,
  data: eventData,
  idempotency_key: z.optional(idempotencyKey),
});
export type PublishEventBody = z.infer<typeof publishEventBody>;

/** Query values arrive as strings: digits only, then the number's range. */
const pageLimit = (byDefault: number) =>
  z._default(
    z.pipe(
      z.pipe(z.string().check(z.regex(/^\d{1,6}$/, 'must be a whole number')), z.transform(Number)),
      intRange(1, 100),
    ),
    byDefault,
  );
const limit = pageLimit(20);
const cursor = z.optional(z.string().check(z.minLength(1), z.maxLength(4096)));

export const pageQuery = z.strictObject({ limit, cursor });

/**
 * An instant in a query: ISO 8601 with a time zone (`2026-01-31T12:00:00Z`, offsets allowed), from
 * 1970 on; normalised to UTC. A bare date is not an instant (which midnight?).
 */
const instant = z.pipe(
  z.string().check(
    z.regex(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/,
      'must be an ISO 8601 date-time with a time zone, e.g. 2026-01-31T12:00:00Z',
    ),
    z.refine(
      (value) =>
        Date.parse(value) >= 0 &&
        // Date.parse rolls 2026-02-30 over to March: the day must exist in its month.
        new Date(`${value.slice(0, 10)}T00:00:00Z`).toISOString().slice(0, 10) === value.slice(0, 10),
      'must be a valid date-time from 1970 on',
    ),
  ),
  z.transform((value) => new Date(Date.parse(value)).toISOString()),
);

/** since ≤ until, both inclusive: an empty window is a mistake worth a 400. */
const timeWindow = z.refine<{ since?: string | undefined; until?: string | undefined }>(
  (query) => query.since === undefined || query.until === undefined || query.since <= query.until,
  { message: 'since must not be after until', path: ['since'] },
);

const status = z.optional(z.enum(['pending', 'succeeded', 'failed']));

export const deliveriesQuery = z
  .strictObject({
    limit,
    cursor,
    status,
    event_type: z.optional(eventTypeName),
    since: z.optional(instant),
    until: z.optional(instant),
  })
  .check(timeWindow);

/** GET /v1/deliveries: the account's deliveries, optionally of one endpoint. */
export const accountDeliveriesQuery = z
  .strictObject({
    limit,
    cursor,
    status,
    webhook_id: z.optional(z.string().check(z.regex(/^wh_[0-9a-z]{1,64}$/, 'must be a webhook id'))),
    event_type: z.optional(eventTypeName),
    since: z.optional(instant),
    until: z.optional(instant),
  })
  .check(timeWindow);

/** GET /v1/events/{id}: a page of the event's deliveries (100 by default: one BatchGet). */
export const eventDetailQuery = z.strictObject({
  limit: pageLimit(100),
  cursor,
});

/** GET /v1/events: the account's event log. */
export const eventsQuery = z
  .strictObject({
    limit,
    cursor,
    type: z.optional(eventTypeName),
    since: z.optional(instant),
    until: z.optional(instant),
  })
  .check(timeWindow);

export const accountId = z
  .string()
  .check(z.minLength(1), z.maxLength(64), z.regex(/^[a-zA-Z0-9_-]+$/, 'must be letters, digits, "_" or "-"'));

/** Alert addresses the platform vouches for: confirmed without a mail, bounded, no repeats. */
const alertEmails = z.array(email).check(
  z.maxLength(MAX_ACCOUNT_ALERT_EMAILS),
  z.refine(
    (list) => new Set(list.map(normaliseEmail)).size === list.length,
    'must not repeat an address (compared without case)',
  ),
);

export const createAccountBody = z.strictObject({
  id: z.optional(accountId),
  name,
  plan: z.optional(z.enum(PLANS)),
  alert_email: z.optional(email),
  alert_emails: z.optional(alertEmails),
});

export const updateAccountBody = z
  .strictObject({
    name: z.optional(name),
    plan: z.optional(z.enum(PLANS)),
    alert_emails: z.optional(alertEmails),
  })
  .check(z.refine((body) => Object.keys(body).length > 0, 'at least one field is required'));

/** An API key's id (`key_…`) or a portal session key's (`ses_…`) in a path. */
export const apiKeyId = z
  .string()
  .check(z.minLength(1), z.maxLength(64), z.regex(/^[a-zA-Z0-9_-]+$/, 'must be letters, digits, "_" or "-"'));

export const createApiKeyBody = z.strictObject({
  scopes: z
    .array(z.enum(TENANT_SCOPES))
    .check(z.minLength(1), unique<(typeof TENANT_SCOPES)[number]>('a scope')),
  name: z.optional(name),
});

export const putEventTypeBody = z.strictObject({
  description: z.optional(description),
  example: z.optional(jsonObject),
});

/** A CSS hex colour `#rrggbb`, either case; kept in lower case. */
const primaryColor = z
  .string()
  .check(
    z.regex(/^#[0-9a-fA-F]{6}$/, 'must be a CSS hex colour #rrggbb'),
    z.toLowerCase(),
    z.describe("The portal's primary colour, #rrggbb (answered in lower case)"),
  );

/**
 * Control characters (C0, DEL, C1), lone surrogates (no character: UTF-8 cannot hold them), bidi
 * controls (they could reorder what the portal shows) and the line/paragraph separators.
 */
const NO_CONTROL_CHARACTERS = /^[^\p{Cc}\p{Cs}\p{Bidi_Control}\u2028\u2029]*$/u;

/**
 * Any other Unicode (emoji too), trimmed, 1-60 code points: JSON Schema's `maxLength` unit, where
 * zod's counts UTF-16 units. The API's body limit bounds what is counted.
 */
const productName = z.string().check(
  z.trim(),
  z.minLength(1),
  z.regex(NO_CONTROL_CHARACTERS, 'must not contain control characters'),
  z.refine(
    (text) => [...text].length <= MAX_PORTAL_PRODUCT_NAME_LENGTH,
    `must be at most ${MAX_PORTAL_PRODUCT_NAME_LENGTH} characters`,
  ),
  z.meta({
    maxLength: MAX_PORTAL_PRODUCT_NAME_LENGTH,
    description: 'The product name the portal shows (trimmed; characters are Unicode code points)',
  }),
);

/** POST /v1/admin/accounts/{id}/portal-sessions (docs/portal.md). */
export const createPortalSessionBody = z.strictObject({
  ttl_seconds: z.optional(intRange(MIN_PORTAL_SESSION_SECONDS, MAX_PORTAL_SESSION_SECONDS)),
  read_only: z.optional(z.boolean()),
  primary_color: z.optional(primaryColor),
  product_name: z.optional(productName),
});

/** POST /v1/portal/sessions: the link's token (checked against its stored hash, not its shape here). */
export const exchangePortalLinkBody = z.strictObject({
  token: z.string().check(z.minLength(1), z.maxLength(200)),
});

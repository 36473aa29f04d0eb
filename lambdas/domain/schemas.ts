import * as z from 'zod';
import { PLANS, TENANT_SCOPES } from './model.js';

/**
 * Request schemas of the REST API (snake_case, as the seeds). Objects are strict: an unknown field
 * is a 400, not silently ignored, so a typo never turns into a default.
 */

export const MAX_NAME_LENGTH = 200;
const MAX_DESCRIPTION_LENGTH = 1000;
export const MAX_TIMEOUT_SECONDS = 30;
export const DEFAULT_TIMEOUT_SECONDS = 5;
export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_GRACE_PERIOD_SECONDS = 86_400;

export const eventTypeName = z
  .string()
  .min(1)
  .max(100)
  .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]*$/, 'must be letters, digits, ".", "_" or "-"');

const name = z.string().trim().min(1).max(MAX_NAME_LENGTH);
const description = z.string().max(MAX_DESCRIPTION_LENGTH);
const url = z.string().min(1).max(2048);
const email = z.email().max(254);

const retryPolicy = z.strictObject({
  max_retries: z.int().min(0).max(10).optional(),
  intervals_seconds: z.array(z.int().min(1).max(86_400)).min(1).max(10).optional(),
});

const alerting = z.strictObject({
  email: email.optional(),
  failure_threshold: z.int().min(1).max(100).optional(),
});

const headers = z.record(z.string().max(256), z.string().max(1024));

const events = z
  .array(eventTypeName)
  .max(100)
  .refine((list) => new Set(list).size === list.length, 'must not repeat an event type');

export const createWebhookBody = z.strictObject({
  name,
  url,
  events,
  description: description.optional(),
  headers: headers.optional(),
  retry_policy: retryPolicy.optional(),
  timeout_seconds: z.int().min(1).max(MAX_TIMEOUT_SECONDS).optional(),
  alerting: alerting.optional(),
});
export type CreateWebhookBody = z.infer<typeof createWebhookBody>;

export const updateWebhookBody = z
  .strictObject({
    name: name.optional(),
    url: url.optional(),
    events: events.optional(),
    description: description.optional(),
    headers: headers.optional(),
    status: z.enum(['active', 'paused']).optional(),
    retry_policy: retryPolicy.optional(),
    timeout_seconds: z.int().min(1).max(MAX_TIMEOUT_SECONDS).optional(),
    alerting: alerting.optional(),
  })
  .refine((body) => Object.keys(body).length > 0, 'at least one field is required');
export type UpdateWebhookBody = z.infer<typeof updateWebhookBody>;

export const rotateSecretBody = z.strictObject({
  grace_period_seconds: z.int().min(0).max(604_800).optional(),
});

export const testWebhookBody = z.strictObject({ event_type: eventTypeName.optional() });

export const publishEventBody = z.strictObject({
  type: eventTypeName,
  data: z.record(z.string(), z.unknown()),
  idempotency_key: z.string().min(1).max(200).optional(),
});
export type PublishEventBody = z.infer<typeof publishEventBody>;

export const pageQuery = z.strictObject({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().min(1).max(4096).optional(),
});

export const deliveriesQuery = pageQuery.extend({
  status: z.enum(['pending', 'succeeded', 'failed']).optional(),
});

export const noQuery = z.strictObject({});

export const accountId = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[a-zA-Z0-9_-]+$/, 'must be letters, digits, "_" or "-"');

export const createAccountBody = z.strictObject({
  id: accountId.optional(),
  name,
  plan: z.enum(PLANS).optional(),
  alert_email: email.optional(),
});

export const createApiKeyBody = z.strictObject({
  scopes: z
    .array(z.enum(TENANT_SCOPES))
    .min(1)
    .refine((list) => new Set(list).size === list.length, 'must not repeat a scope'),
  name: name.optional(),
});

export const putEventTypeBody = z.strictObject({
  description: description.optional(),
  example: z.record(z.string(), z.unknown()).optional(),
});

/** Path ids are checked for shape before any lookup, so a junk id is a clean 404. */
export const opaqueId = z.string().min(1).max(128);

import type { AlertEmailStatus } from '../domain/alert-emails.js';
import type {
  Account,
  AllTimeStats,
  ApiKeyRecord,
  Delivery,
  DeliveryAttempt,
  EventDelivery,
  EventSummary,
  EventType,
  Page,
  Webhook,
  WebhookEvent,
  WebhookStats,
  WindowStats,
} from '../domain/model.js';
import { eventPayload } from '../domain/signing.js';

/** The REST API's representations (snake_case), mapped from domain records in one place. */

export const successRate = (stats: WebhookStats): number =>
  stats.totalDeliveries === 0 ? 0 : Math.round((stats.successful / stats.totalDeliveries) * 1000) / 10;

/** Mean response time of the timed attempts, whole milliseconds; null when none was timed. */
export const averageResponseTimeMs = (window: {
  responseTimeMsTotal: number;
  timed: number;
}): number | null => (window.timed === 0 ? null : Math.round(window.responseTimeMsTotal / window.timed));

/**
 * One stats window: deliveries by their final outcome (a delivery being retried counts in neither
 * until its new outcome), and the mean response time of every attempt made in it (retries too).
 */
const windowResource = (stats: WebhookStats & { responseTimeMsTotal: number; timed: number }) => ({
  total_deliveries: stats.totalDeliveries,
  successful: stats.successful,
  failed: stats.failed,
  success_rate: successRate(stats),
  avg_response_time_ms: averageResponseTimeMs(stats),
});

/** GET /v1/webhooks/{id}/stats (seeds 000 and 003): both windows have the same fields. */
export const webhookStatsResource = (
  webhookId: string,
  stats: { last24h: WindowStats; allTime: AllTimeStats },
) => ({
  webhook_id: webhookId,
  last_24h: {
    ...windowResource({ ...stats.last24h, totalDeliveries: stats.last24h.deliveries }),
    /** Deprecated: `total_deliveries` (kept for clients of the first shape). */
    deliveries: stats.last24h.deliveries,
  },
  all_time: windowResource(stats.allTime),
  /** Test sends (POST /v1/webhooks/{id}/test), all time: in neither of the counters above. */
  test_sends: {
    total: (stats.allTime.testSends?.successful ?? 0) + (stats.allTime.testSends?.failed ?? 0),
    successful: stats.allTime.testSends?.successful ?? 0,
    failed: stats.allTime.testSends?.failed ?? 0,
  },
});

/**
 * `emailStatus`: whether alerts reach `alerting.email` yet (docs/escalation.md); null without an
 * address.
 */
export function webhookResource(
  webhook: Webhook,
  stats: WebhookStats,
  emailStatus: AlertEmailStatus | null = null,
) {
  return {
    id: webhook.id,
    name: webhook.name,
    url: webhook.url,
    description: webhook.description ?? null,
    events: webhook.events,
    status: webhook.status,
    disabled_reason: webhook.disabledReason ?? null,
    headers: webhook.headers,
    retry_policy: {
      max_retries: webhook.retryPolicy.maxRetries,
      intervals_seconds: webhook.retryPolicy.intervalsSeconds,
    },
    timeout_seconds: webhook.timeoutSeconds,
    alerting: {
      email: webhook.alerting.email ?? null,
      email_status: webhook.alerting.email === undefined ? null : emailStatus,
      failure_threshold: webhook.alerting.failureThreshold,
      recovery_cooldown_seconds: webhook.alerting.recoveryCooldownSeconds ?? null,
    },
    secret_prefix: webhook.secrets[0]?.prefix ?? null,
    stats: {
      total_deliveries: stats.totalDeliveries,
      successful: stats.successful,
      failed: stats.failed,
      success_rate: successRate(stats),
    },
    created_at: webhook.createdAt,
    updated_at: webhook.updatedAt,
  };
}
export type WebhookResource = ReturnType<typeof webhookResource>;

/**
 * A key of an account as the admin listing shows it: never the key, never its hash. A portal session
 * key (`ps_…`) is listed too, as `type: portal_session` with its end; `last_used_at` is recorded by
 * the authorizer at most once an hour.
 */
export const apiKeyResource = (key: ApiKeyRecord) => ({
  id: key.id,
  name: key.name ?? null,
  type: key.prefix.startsWith('ps_') ? ('portal_session' as const) : ('api_key' as const),
  prefix: key.prefix,
  scopes: [...key.scopes],
  created_at: key.createdAt,
  expires_at: key.expiresAt ?? null,
  last_used_at: key.lastUsedAt ?? null,
});

export const accountResource = (account: Account) => ({
  id: account.id,
  name: account.name,
  plan: account.plan,
  alert_email: account.alertEmail ?? null,
  alert_emails: account.alertEmails ?? [],
  created_at: account.createdAt,
});

export const eventTypeResource = (eventType: EventType) => ({
  name: eventType.name,
  description: eventType.description,
  example: eventType.example,
});

export const attemptResource = (attempt: DeliveryAttempt) => ({
  attempt: attempt.attempt,
  status_code: attempt.statusCode ?? null,
  response_time_ms: attempt.responseTimeMs,
  response_body: attempt.responseBody ?? null,
  error: attempt.error ?? null,
  started_at: attempt.startedAt,
  finished_at: attempt.finishedAt,
});

export const deliverySummaryResource = (delivery: Delivery) => ({
  id: delivery.id,
  webhook_id: delivery.webhookId,
  event_id: delivery.eventId,
  event_type: delivery.eventType,
  status: delivery.status,
  /** Every attempt made (the detail's too). */
  attempt_count: delivery.attemptCount,
  /** Deprecated: `attempt_count` (the detail's `attempts` is the list of attempts). */
  attempts: delivery.attemptCount,
  last_status_code: delivery.lastStatusCode ?? null,
  last_response_time_ms: delivery.lastResponseTimeMs ?? null,
  next_attempt_at: delivery.nextAttemptAt ?? null,
  failure_reason: delivery.failureReason ?? null,
  created_at: delivery.createdAt,
  updated_at: delivery.updatedAt,
  /** A test send (POST /v1/webhooks/{id}/test). */
  test: delivery.test === true,
});

export const deliveryDetailResource = (delivery: Delivery, event: WebhookEvent | undefined) => ({
  ...deliverySummaryResource(delivery),
  /** The newest attempts, oldest first: at most MAX_STORED_ATTEMPTS (50) are kept. */
  attempts: delivery.attempts.map(attemptResource),
  /** Older attempts were trimmed: `attempts` holds fewer than `attempt_count`. */
  attempts_truncated: delivery.attempts.length < delivery.attemptCount,
  payload: event ? eventPayload(event) : null,
});

/** An entry of the event log (GET /v1/events). */
export const eventSummaryResource = (event: EventSummary) => ({
  id: event.id,
  type: event.type,
  created_at: event.timestamp,
  idempotency_key: event.idempotencyKey ?? null,
  /** A test send's event (POST /v1/webhooks/{id}/test). */
  test: event.test === true,
  /** Dropped by the daily quota: why nothing was delivered. */
  dropped: event.dropped === true,
});

/** GET /v1/events/{id}: the event, its payload, and a page of the deliveries fan-out made of it. */
export const eventDetailResource = (
  event: WebhookEvent,
  deliveries: { items: readonly EventDelivery[]; nextCursor?: string },
) => ({
  // A dropped event was stored without its data.
  ...eventSummaryResource({ ...event, dropped: event.data === undefined }),
  /** null for an event dropped by the daily quota: it was stored without its data. */
  data: event.data ?? null,
  deliveries: deliveries.items.map((delivery) => ({
    webhook_id: delivery.webhookId,
    delivery_id: delivery.deliveryId,
    status: delivery.status,
    attempt_count: delivery.attemptCount,
  })),
  deliveries_next_cursor: deliveries.nextCursor ?? null,
});

/** A page of a listing as every list route answers it: `{data, next_cursor}` (null on the last page). */
export const pageResource = <T, R>(page: Page<T>, resource: (item: T) => R) => ({
  data: page.items.map(resource),
  next_cursor: page.nextCursor ?? null,
});

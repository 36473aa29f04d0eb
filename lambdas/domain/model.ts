/**
 * The service's records as the domain sees them (camelCase). The REST resources (snake_case) are
 * mapped from these in `lambdas/http/representations.ts`; storage layouts live in the adapters.
 */

export const TENANT_SCOPES = ['webhooks:read', 'webhooks:write', 'events:publish'] as const;
export type Scope = (typeof TENANT_SCOPES)[number];

export const PLANS = ['scale', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

export interface Account {
  readonly id: string;
  readonly name: string;
  readonly plan: Plan;
  /** Where escalation emails go when an endpoint names no address of its own. */
  readonly alertEmail?: string;
  /**
   * Alert addresses the platform vouches for (PATCH /v1/admin/accounts/{id}): webhooks of the
   * account may name them without a confirmation mail. Stored normalised (lower case).
   */
  readonly alertEmails?: readonly string[];
  /** Alert addresses confirmed through their confirmation link (normalised). */
  readonly confirmedAlertEmails?: readonly string[];
  readonly createdAt: string;
}

export interface ApiKeyRecord {
  readonly id: string;
  readonly accountId: string;
  /** SHA-256 hex of the whole key; the key itself is never stored. */
  readonly keyHash: string;
  /** The first characters of the key, to tell keys apart in listings. */
  readonly prefix: string;
  readonly scopes: readonly Scope[];
  readonly name?: string;
  readonly createdAt: string;
  /** A portal session key's end (docs/portal.md): refused from then on. API keys never expire. */
  readonly expiresAt?: string;
  /** When the authorizer last let the key in, to the hour (recorded at most once an hour). */
  readonly lastUsedAt?: string;
}

export interface EventType {
  readonly name: string;
  readonly description: string;
  readonly example: unknown;
  readonly updatedAt: string;
}

export const WEBHOOK_STATUSES = ['active', 'paused', 'disabled'] as const;
export type WebhookStatus = (typeof WEBHOOK_STATUSES)[number];

export interface RetryPolicy {
  /** Retries after the first attempt; 0 sends once. */
  readonly maxRetries: number;
  /** Delay before retry n is intervalsSeconds[n-1]; the last entry repeats. */
  readonly intervalsSeconds: readonly number[];
}

export interface Alerting {
  /** Alerts reach it only once confirmed (docs/escalation.md). */
  readonly email?: string;
  readonly failureThreshold: number;
  /**
   * How long the endpoint must stay healthy before its episode closes as recovered; absent: the
   * deployment's default (10 minutes).
   */
  readonly recoveryCooldownSeconds?: number;
}

/** A signing secret as stored: AES-256-GCM ciphertext under the deployment's master key. */
export interface StoredSigningSecret {
  readonly ciphertext: string;
  /** First 12 characters of the plain secret (`whsec_` + 6). */
  readonly prefix: string;
  readonly createdAt: string;
  /** Set on a rotated-out secret: it still signs until then. */
  readonly expiresAt?: string;
}

export interface Webhook {
  readonly id: string;
  readonly accountId: string;
  readonly name: string;
  readonly url: string;
  readonly description?: string;
  /** Subscribed event types; empty means every type. */
  readonly events: readonly string[];
  readonly status: WebhookStatus;
  readonly disabledReason?: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly retryPolicy: RetryPolicy;
  readonly timeoutSeconds: number;
  readonly alerting: Alerting;
  /** Newest first; older entries carry expiresAt (rotation grace period). */
  readonly secrets: readonly StoredSigningSecret[];
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Optimistic-locking counter for configuration writes. */
  readonly version: number;
}

/**
 * A failing episode (docs/escalation.md): `open` from the threshold crossing until its Step
 * Functions execution is confirmed started, then `escalated`; `closed` when a 2xx (or a re-enable)
 * ends it, or when its execution is done with it.
 */
export type EpisodeState = 'open' | 'escalated' | 'closed';

/** The delivery path's failure counters of an endpoint (not configuration: the Webhook omits them). */
export interface FailureState {
  readonly consecutiveFailures: number;
  /** Number of the latest failing episode; 0 before the first. Only ever increases. */
  readonly episode: number;
  readonly episodeState: EpisodeState;
  /**
   * ISO 8601: the first 2xx after the last failure while an episode is escalated. The episode closes
   * as recovered only once the endpoint has stayed healthy this long past it (the cool-down).
   */
  readonly healthySince?: string;
}

/** What fan-out needs of an endpoint, kept small so 10,000 of them fit in a few query pages. */
export interface Subscription {
  readonly accountId: string;
  readonly webhookId: string;
  readonly eventType: string;
  readonly status: WebhookStatus;
}

export interface WebhookEvent {
  readonly id: string;
  readonly accountId: string;
  readonly type: string;
  readonly data: unknown;
  /** ISO 8601: when the event was published. */
  readonly timestamp: string;
  readonly idempotencyKey?: string;
  /** A test send's event (POST /v1/webhooks/{id}/test): marked so in the event log. */
  readonly test?: boolean;
}

export const DELIVERY_STATUSES = ['pending', 'succeeded', 'failed'] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

export interface DeliveryAttempt {
  readonly attempt: number;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly statusCode?: number;
  readonly responseTimeMs: number;
  /** First 4 KB of the response body. */
  readonly responseBody?: string;
  readonly error?: string;
}

export interface Delivery {
  readonly id: string;
  readonly accountId: string;
  readonly webhookId: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly status: DeliveryStatus;
  /** Attempts made so far. */
  readonly attemptCount: number;
  readonly attempts: readonly DeliveryAttempt[];
  readonly lastStatusCode?: number;
  readonly lastResponseTimeMs?: number;
  /** ISO 8601 time the next attempt is due; absent once final. */
  readonly nextAttemptAt?: string;
  /** Why a delivery ended failed without an HTTP answer (endpoint_disabled, endpoint_paused, …). */
  readonly failureReason?: string;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** A test send (POST /v1/webhooks/{id}/test); counted apart in the stats. */
  readonly test?: boolean;
}

/** What the delivery listings filter on; since/until are ISO 8601 instants, both inclusive. */
export interface DeliveryFilter {
  readonly status?: DeliveryStatus;
  readonly eventType?: string;
  readonly since?: string;
  readonly until?: string;
}

export interface EventFilter {
  readonly type?: string;
  readonly since?: string;
  readonly until?: string;
}

/** An event-log entry: the event without its payload. */
export interface EventSummary {
  readonly id: string;
  readonly type: string;
  readonly timestamp: string;
  readonly idempotencyKey?: string;
  /** A test send's event. */
  readonly test?: boolean;
  /** Dropped by the daily quota: nothing was delivered. */
  readonly dropped?: boolean;
}

/** One endpoint an event was fanned out to, with its delivery's state. */
export interface EventDelivery {
  readonly webhookId: string;
  readonly deliveryId: string;
  readonly status: DeliveryStatus;
  readonly attemptCount: number;
}

export interface WebhookStats {
  readonly totalDeliveries: number;
  readonly successful: number;
  readonly failed: number;
  /** Test sends' final outcomes, counted apart from the live ones above (all time). */
  readonly testSends?: { readonly successful: number; readonly failed: number };
}

/** The all-time counters with the response times of every attempt counted since they were kept. */
export interface AllTimeStats extends WebhookStats {
  readonly responseTimeMsTotal: number;
  /** Attempts with a response time (the divisor of the average). */
  readonly timed: number;
}

/** Outcomes in a window of hourly buckets (the last 24 hours). */
export interface WindowStats {
  readonly deliveries: number;
  readonly successful: number;
  readonly failed: number;
  readonly responseTimeMsTotal: number;
  /** Attempts with a response time (the divisor of the average). */
  readonly timed: number;
}

/** Fan-out's quota decision for an event, recorded with the event so a replay follows it. */
export type Admission = 'admitted' | 'dropped';

/** An account's counters for one UTC day (quota). */
export interface DailyUsage {
  /** Events admitted (counted toward the limit). */
  readonly events: number;
  /** Events refused because the day's limit was reached. */
  readonly dropped: number;
}

export interface Page<T> {
  readonly items: readonly T[];
  /** Opaque; absent on the last page. */
  readonly nextCursor?: string;
}

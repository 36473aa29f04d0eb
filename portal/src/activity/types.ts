/**
 * The delivery-history and stats representations the activity screens read
 * (lambdas/http/representations.ts and lambdas/http/delivery-routes.ts are the source).
 */

export type DeliveryStatus = 'pending' | 'succeeded' | 'failed';

/** One row of GET /v1/webhooks/{id}/deliveries. */
export interface DeliverySummary {
  readonly id: string;
  readonly webhook_id: string;
  readonly event_id: string;
  readonly event_type: string;
  readonly status: DeliveryStatus;
  /** Attempts made so far (the detail's too). */
  readonly attempt_count: number;
  readonly last_status_code: number | null;
  readonly last_response_time_ms: number | null;
  readonly next_attempt_at: string | null;
  /** Why it ended failed without an HTTP answer (endpoint_disabled, endpoint_paused, …). */
  readonly failure_reason: string | null;
  readonly created_at: string;
  readonly updated_at: string;
}

export interface DeliveryAttempt {
  readonly attempt: number;
  readonly status_code: number | null;
  readonly response_time_ms: number;
  readonly response_body: string | null;
  readonly error: string | null;
  readonly started_at: string;
  readonly finished_at: string;
}

/** GET /v1/deliveries/{id}: the summary with the list of attempts. */
export interface DeliveryDetailResource extends DeliverySummary {
  /** The newest attempts (at most 50 are kept), oldest first. */
  readonly attempts: readonly DeliveryAttempt[];
  readonly attempts_truncated: boolean;
  readonly payload: unknown;
}

/** GET /v1/webhooks/{id}/stats: window totals only, no per-hour series. */
export interface WebhookStatsResource {
  readonly webhook_id: string;
  readonly last_24h: StatsWindow;
  readonly all_time: StatsWindow;
}

/** Both windows have the same fields. */
export interface StatsWindow {
  readonly total_deliveries: number;
  readonly successful: number;
  readonly failed: number;
  /** A percentage, 0–100, one decimal. */
  readonly success_rate: number;
  /** Of every attempt made in the window; null when none was timed. */
  readonly avg_response_time_ms: number | null;
}

/** POST /v1/webhooks/{id}/test. */
export interface TestResult {
  readonly success: boolean;
  readonly delivery_id: string;
  readonly status_code: number | null;
  readonly response_time_ms: number;
  readonly response_body: string | null;
  readonly error?: string;
}

/** POST /v1/webhooks/{id}/retry-failed. */
export interface RetryFailedResult {
  readonly queued: number;
}

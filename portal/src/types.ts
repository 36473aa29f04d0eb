/** The REST API's representations the portal reads (lambdas/http/representations.ts is the source). */

export type WebhookStatus = 'active' | 'paused' | 'disabled';

export interface Webhook {
  readonly id: string;
  readonly name: string;
  readonly url: string;
  readonly description: string | null;
  readonly events: readonly string[];
  readonly status: WebhookStatus;
  readonly disabled_reason: string | null;
  readonly headers: Readonly<Record<string, string>>;
  readonly retry_policy: { readonly max_retries: number; readonly intervals_seconds: readonly number[] };
  readonly timeout_seconds: number;
  readonly alerting: {
    readonly email: string | null;
    readonly email_status: string | null;
    readonly failure_threshold: number;
    readonly recovery_cooldown_seconds: number | null;
  };
  readonly secret_prefix: string | null;
  readonly stats: {
    readonly total_deliveries: number;
    readonly successful: number;
    readonly failed: number;
    readonly success_rate: number;
  };
  readonly created_at: string;
  readonly updated_at: string;
}

export interface EventType {
  readonly name: string;
  readonly description: string;
  readonly example: unknown;
}

/** A list page: `{data, next_cursor}`. */
export interface Page<T> {
  readonly data: readonly T[];
  readonly next_cursor?: string | null;
}

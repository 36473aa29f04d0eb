import type { DeliveryStatus, DeliverySummary } from './types.js';

/** Reason phrases for the codes a receiver commonly answers, so a result reads "200 OK". */
const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  202: 'Accepted',
  204: 'No Content',
  301: 'Moved Permanently',
  302: 'Found',
  307: 'Temporary Redirect',
  308: 'Permanent Redirect',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Payload Too Large',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
  504: 'Gateway Timeout',
};

/** "200 OK", "599", or "No response" when the attempt got no HTTP answer. */
export const httpStatus = (code: number | null | undefined): string =>
  code === null || code === undefined
    ? 'No response'
    : REASONS[code]
      ? `${code} ${REASONS[code]}`
      : String(code);

export const formatMs = (ms: number | null | undefined): string =>
  ms === null || ms === undefined ? '—' : `${Math.round(ms).toLocaleString()}ms`;

export const formatCount = (n: number): string => n.toLocaleString();

/** A status in words with a symbol, never by colour alone. */
export const STATUS_TEXT: Record<DeliveryStatus, { symbol: string; label: string }> = {
  succeeded: { symbol: '✓', label: 'Succeeded' },
  failed: { symbol: '✗', label: 'Failed' },
  pending: { symbol: '↻', label: 'Pending' },
};

/**
 * "Retry n/m" for a delivery still retrying, as seed 000 draws it ("❌ 500  Retry 1/3" with "Up
 * to 3 times"): m is the webhook's `retry_policy.max_retries` (the retries, not counting the first
 * attempt) and n is the retry now queued. Attempt k + 1 is retry k, so after `attempt_count` failed
 * attempts the queued retry is number `attempts`: n = attempts made. A manual retry past the
 * policy (POST /v1/deliveries/{id}/retry) can take n past m; m then grows with it so it never
 * reads "Retry 5/3". Undefined when nothing has been attempted yet (plain "Pending").
 */
export function retryProgress(delivery: DeliverySummary, maxRetries: number): string | undefined {
  if (delivery.status !== 'pending' || delivery.attempt_count < 1) return undefined;
  const n = delivery.attempt_count;
  return `Retry ${n}/${Math.max(maxRetries, n)}`;
}

/** The payload as indented JSON, or as it came when it is a string that is not JSON. */
export function prettyJson(value: unknown): string {
  if (typeof value === 'string') {
    try {
      return JSON.stringify(JSON.parse(value), null, 2);
    } catch {
      return value;
    }
  }
  return JSON.stringify(value, null, 2) ?? '';
}

/** Short local time of day ("14:32:00"), the date too when it is not today. */
export function shortTime(iso: string, now: Date = new Date()): string {
  const date = new Date(iso);
  const sameDay = date.toDateString() === now.toDateString();
  return sameDay
    ? date.toLocaleTimeString(undefined, { timeStyle: 'medium' })
    : date.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
}

/** Failure reasons the service records, in words. */
const FAILURE_REASONS: Record<string, string> = {
  endpoint_disabled: 'The webhook was disabled',
  endpoint_paused: 'The webhook was paused',
  endpoint_deleted: 'The webhook was deleted',
  endpoint_gone: 'The endpoint answered 410 Gone',
  event_expired: 'The event expired before it could be delivered',
  test_interrupted: 'The test send was interrupted',
  test_failed: 'The test send failed',
};

export const failureReasonText = (reason: string | null): string | undefined =>
  reason ? (FAILURE_REASONS[reason] ?? reason.replace(/_/g, ' ')) : undefined;

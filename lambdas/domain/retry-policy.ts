/**
 * When a failed delivery is tried again. The schedule lives in SQS, whose delays top out at 15
 * minutes, so a longer wait is a chain of hops that each carry the time the attempt is due.
 */
import type { RetryPolicy } from './model.js';

export const DEFAULT_RETRY_POLICY: RetryPolicy = {
  maxRetries: 6,
  intervalsSeconds: [60, 300, 1800, 7200, 28800, 86400],
};

export const MAX_RETRIES = 10;
export const MAX_SQS_DELAY_SECONDS = 900;
export const MAX_RETRY_AFTER_SECONDS = 86400;
/** Up to 10% later than configured, so endpoints failing together are not retried in lockstep. */
const JITTER_FRACTION = 0.1;
/** A hop this close to its due time is sent now rather than re-queued for a second. */
const DUE_TOLERANCE_MS = 1000;

export interface RetryDelayOptions {
  /** Returns a number in [0, 1), like Math.random. */
  readonly random: () => number;
  /** From the receiver's Retry-After header; replaces the schedule when present. */
  readonly retryAfterSeconds?: number;
}

/**
 * Seconds to wait before the next attempt after attempt `failedAttempt` (1-based) failed, or
 * undefined when the policy's retries are used up.
 */
export function retryDelaySeconds(
  policy: RetryPolicy,
  failedAttempt: number,
  options: RetryDelayOptions,
): number | undefined {
  if (!Number.isInteger(failedAttempt) || failedAttempt < 1) {
    throw new RangeError(`failedAttempt must be a positive integer, got ${failedAttempt}`);
  }
  const maxRetries = Math.min(Math.max(0, policy.maxRetries), MAX_RETRIES);
  if (failedAttempt > maxRetries) return undefined;

  const { retryAfterSeconds } = options;
  if (retryAfterSeconds !== undefined && Number.isFinite(retryAfterSeconds)) {
    return Math.min(Math.max(Math.ceil(retryAfterSeconds), 1), MAX_RETRY_AFTER_SECONDS);
  }
  const intervals =
    policy.intervalsSeconds.length > 0 ? policy.intervalsSeconds : DEFAULT_RETRY_POLICY.intervalsSeconds;
  const interval = intervals[Math.min(failedAttempt, intervals.length) - 1] ?? 0;
  // Clamped so a misbehaving random source can never make the retry earlier or much later.
  const random = Math.min(Math.max(options.random(), 0), 1);
  return Math.ceil(Math.max(0, interval) * (1 + JITTER_FRACTION * random));
}

/**
 * The SQS delay for the next hop of a job due at `dueAtMs`: 0 when it is due (within a second),
 * else the remaining time capped at the 15-minute SQS maximum.
 */
export function nextHopDelaySeconds(dueAtMs: number, nowMs: number): number {
  const remainingMs = dueAtMs - nowMs;
  if (remainingMs <= DUE_TOLERANCE_MS) return 0;
  return Math.min(MAX_SQS_DELAY_SECONDS, Math.ceil(remainingMs / 1000));
}

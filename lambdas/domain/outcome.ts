/**
 * What one HTTP attempt means for the delivery: done, endpoint gone, try again, or give up; and what
 * of the attempts a delivery stores. Redirects are final failures: following them would let a public
 * URL bounce the service into a private network.
 */
import type { DeliveryAttempt } from './model.js';
import type { OutboundResponse } from './ports/outbound-http.js';

export type AttemptOutcome =
  | { kind: 'delivered' }
  | { kind: 'gone' }
  | { kind: 'retry'; retryAfterSeconds?: number }
  | { kind: 'failed' };

/** Client errors that say "not now" rather than "never". */
const RETRYABLE_CLIENT_STATUSES: ReadonlySet<number> = new Set([408, 425, 429]);

export function classifyAttempt(response: OutboundResponse, nowMs: number): AttemptOutcome {
  const { statusCode } = response;
  // No HTTP answer at all (timeout, refused, reset, blocked address): worth another try.
  if (statusCode === undefined) return { kind: 'retry' };
  if (statusCode >= 200 && statusCode <= 299) return { kind: 'delivered' };
  if (statusCode === 410) return { kind: 'gone' };
  if (RETRYABLE_CLIENT_STATUSES.has(statusCode) || (statusCode >= 500 && statusCode <= 599)) {
    const retryAfterSeconds = parseRetryAfter(response.retryAfter, nowMs);
    return retryAfterSeconds === undefined ? { kind: 'retry' } : { kind: 'retry', retryAfterSeconds };
  }
  return { kind: 'failed' };
}

const DELTA_SECONDS_PATTERN = /^\d{1,10}$/;
/** The three HTTP-date forms of RFC 9110 §5.6.7. */
const IMF_FIXDATE_PATTERN = /^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/;
const RFC850_DATE_PATTERN = /^[A-Za-z]{6,9}, \d{2}-[A-Za-z]{3}-\d{2} \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE_PATTERN = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Seconds to wait from a Retry-After value (delta-seconds or HTTP-date), 0 for a date in the past,
 * undefined for anything else.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (DELTA_SECONDS_PATTERN.test(trimmed)) return Number(trimmed);
  let dateMs = Number.NaN;
  if (IMF_FIXDATE_PATTERN.test(trimmed) || RFC850_DATE_PATTERN.test(trimmed)) dateMs = Date.parse(trimmed);
  // asctime carries no zone but means GMT; Date.parse would read it as local time.
  else if (ASCTIME_DATE_PATTERN.test(trimmed)) dateMs = Date.parse(`${trimmed} GMT`);
  if (Number.isNaN(dateMs)) return undefined;
  return Math.max(0, Math.ceil((dateMs - nowMs) / 1000));
}

/**
 * What one delivery item keeps of its attempts (docs/storage.md, "Bounded delivery items"): the
 * newest MAX_STORED_ATTEMPTS, each bounded, while `attempt_count` keeps the true total. Worst case
 * ~5.3 KB per attempt (4 KB of response body, 1 KB of error text, names, numbers and two times), so
 * 50 attempts are ~265 KB, well under DynamoDB's 400 KB item limit whatever the number of retries.
 */
export const MAX_STORED_ATTEMPTS = 50;
/** Response body bytes (UTF-8) kept with an attempt. */
export const MAX_RESPONSE_BODY_BYTES = 4096;
/** Error text bytes (UTF-8) kept with an attempt. */
export const MAX_ATTEMPT_ERROR_BYTES = 1024;

const utf8 = new TextEncoder();
const fromUtf8 = new TextDecoder('utf-8');

/** The longest prefix of `text` that is at most `maxBytes` in UTF-8, cut between characters. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const encoded = utf8.encode(text);
  if (encoded.length <= maxBytes) return text;
  let end = maxBytes;
  // Back off continuation bytes (10xxxxxx) so the cut never splits a character.
  while (end > 0 && ((encoded[end] ?? 0) & 0xc0) === 0x80) end--;
  return fromUtf8.decode(encoded.subarray(0, end));
}

/** An attempt with its response body and error text cut to what is stored. */
export function boundAttempt(attempt: DeliveryAttempt): DeliveryAttempt {
  const { responseBody, error, ...rest } = attempt;
  return {
    ...rest,
    ...(responseBody !== undefined
      ? { responseBody: truncateUtf8(responseBody, MAX_RESPONSE_BODY_BYTES) }
      : {}),
    ...(error !== undefined ? { error: truncateUtf8(error, MAX_ATTEMPT_ERROR_BYTES) } : {}),
  };
}

/** The attempts a delivery keeps after `latest`: the newest MAX_STORED_ATTEMPTS, oldest first, bounded. */
export function keptAttempts(
  previous: readonly DeliveryAttempt[],
  latest: DeliveryAttempt,
): DeliveryAttempt[] {
  return [...previous, latest].slice(-MAX_STORED_ATTEMPTS).map(boundAttempt);
}

/**
 * The API's rules the config screens check before a request, copied from the service so the
 * browser bundle stays free of Node code: keep them in step with lambdas/domain/signing.ts
 * (reserved header names), lambdas/domain/schemas.ts (limits) and lambdas/domain/retry-policy.ts
 * (the default schedule). The API checks again; these only spare a round trip.
 */

/** lambdas/domain/signing.ts RESERVED_HEADER_NAMES. */
export const RESERVED_HEADER_NAMES: readonly string[] = [
  'content-type',
  'content-length',
  'content-encoding',
  'host',
  'user-agent',
  'connection',
  'transfer-encoding',
  'te',
  'upgrade',
  'keep-alive',
  'trailer',
  'expect',
];
/** lambdas/domain/signing.ts RESERVED_HEADER_PREFIXES. */
export const RESERVED_HEADER_PREFIXES: readonly string[] = ['webhook-', 'x-webhook-', 'proxy-'];
export const MAX_CUSTOM_HEADERS = 20;
export const MAX_HEADER_NAME_LENGTH = 256;
export const MAX_HEADER_VALUE_LENGTH = 1024;

export const MAX_NAME_LENGTH = 200;
export const MAX_DESCRIPTION_LENGTH = 1000;
export const MAX_URL_LENGTH = 2048;
export const MAX_RETRIES = 10;
export const MIN_TIMEOUT_SECONDS = 1;
export const MAX_TIMEOUT_SECONDS = 30;
export const DEFAULT_TIMEOUT_SECONDS = 5;
export const MAX_FAILURE_THRESHOLD = 100;
export const DEFAULT_FAILURE_THRESHOLD = 3;
/** POST /v1/webhooks/{id}/rotate-secret grace_period_seconds: 0 to 7 days, 24 hours by default. */
export const DEFAULT_GRACE_PERIOD_HOURS = 24;
export const MAX_GRACE_PERIOD_HOURS = 168;

/** lambdas/domain/retry-policy.ts DEFAULT_RETRY_POLICY. */
export const DEFAULT_MAX_RETRIES = 6;
export const DEFAULT_INTERVALS_SECONDS: readonly number[] = [60, 300, 1800, 7200, 28800, 86400];

const HEADER_NAME_PATTERN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const HEADER_VALUE_CONTROL = /[\u0000-\u0008\u000a-\u001f\u007f]/;

export const isReservedHeaderName = (name: string): boolean => {
  const lower = name.toLowerCase();
  return RESERVED_HEADER_NAMES.includes(lower) || RESERVED_HEADER_PREFIXES.some((p) => lower.startsWith(p));
};

/** One header row's problem with its name and its value (the API's wording), if any. */
export function headerProblems(
  name: string,
  value: string,
  earlierNames: readonly string[],
): { name?: string; value?: string } {
  const shown = JSON.stringify(name);
  const problems: { name?: string; value?: string } = {};
  if (name === '') {
    if (value !== '') problems.name = 'Enter a header name, or remove the row';
  } else if (name.length > MAX_HEADER_NAME_LENGTH)
    problems.name = `header name must be at most ${MAX_HEADER_NAME_LENGTH} characters`;
  else if (!HEADER_NAME_PATTERN.test(name))
    problems.name = `header name ${shown} is not a valid HTTP header name`;
  else if (isReservedHeaderName(name)) problems.name = `header ${shown} is reserved and cannot be set`;
  else if (earlierNames.some((earlier) => earlier.toLowerCase() === name.toLowerCase()))
    problems.name = `header ${shown} is given more than once`;
  if (HEADER_VALUE_CONTROL.test(value)) problems.value = 'header value must not contain control characters';
  else if (value.length > MAX_HEADER_VALUE_LENGTH)
    problems.value = `header value must be at most ${MAX_HEADER_VALUE_LENGTH} characters`;
  return problems;
}

/** Delay before retry n (1-based): intervals[n-1], the last entry repeating (retry-policy.ts). */
export function retryDelays(maxRetries: number, intervals: readonly number[]): number[] {
  const schedule = intervals.length > 0 ? intervals : DEFAULT_INTERVALS_SECONDS;
  return Array.from(
    { length: Math.max(0, maxRetries) },
    (_, index) => schedule[Math.min(index, schedule.length - 1)] as number,
  );
}

const plural = (count: number, unit: string) => `${count} ${unit}${count === 1 ? '' : 's'}`;

/** 60 → "1 minute", 7200 → "2 hours", 90 → "1 minute 30 seconds". */
export function formatDuration(seconds: number): string {
  const parts: string[] = [];
  const days = Math.floor(seconds / 86400);
  const hours = Math.floor((seconds % 86400) / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (days) parts.push(plural(days, 'day'));
  if (hours) parts.push(plural(hours, 'hour'));
  if (minutes) parts.push(plural(minutes, 'minute'));
  if (rest || parts.length === 0) parts.push(plural(rest, 'second'));
  return parts.join(' ');
}

export const ordinal = (n: number): string => {
  const tens = n % 100;
  if (tens >= 11 && tens <= 13) return `${n}th`;
  return `${n}${['th', 'st', 'nd', 'rd'][n % 10] ?? 'th'}`;
};

/** A whole number typed into a field, or undefined when it is not one within [min, max]. */
export function wholeNumber(text: string, min: number, max: number): number | undefined {
  if (!/^\d{1,9}$/.test(text.trim())) return undefined;
  const value = Number(text.trim());
  return value >= min && value <= max ? value : undefined;
}

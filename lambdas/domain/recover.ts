import { invalid } from './errors.js';

/**
 * Recover (POST /v1/webhooks/{id}/recover, Svix's "recover"): the window of deliveries to send
 * again, by their event's time, checked against the clock.
 */

/** How far back a recover may reach: the history's default retention. */
export const MAX_RECOVER_DAYS = 30;
const DAY_MS = 86_400_000;

export type RecoverStatus = 'failed' | 'all';

export interface RecoverWindow {
  /** ISO 8601 (UTC), inclusive. */
  readonly since: string;
  /** ISO 8601 (UTC), inclusive; never after the request's time. */
  readonly until: string;
  /** `failed`: failed deliveries; `all`: failed and succeeded ones (pending ones are on their way). */
  readonly status: RecoverStatus;
}

/**
 * The window of a recover request at `now`: `since` not in the future and at most
 * MAX_RECOVER_DAYS ago, `until` (default now; a later one is cut to now) not before `since`.
 */
export function recoverWindow(
  input: { since: string; until?: string; status?: RecoverStatus },
  now: Date,
): RecoverWindow {
  const since = Date.parse(input.since);
  const until = input.until === undefined ? now.getTime() : Date.parse(input.until);
  if (Number.isNaN(since) || Number.isNaN(until))
    throw invalid('since and until must be ISO 8601 date-times');
  if (since > now.getTime()) throw invalid('since must not be in the future');
  if (since < now.getTime() - MAX_RECOVER_DAYS * DAY_MS) {
    throw invalid(`since must be within the last ${MAX_RECOVER_DAYS} days (the history's retention)`);
  }
  if (until < since) throw invalid('until must not be before since');
  return {
    since: new Date(since).toISOString(),
    until: new Date(Math.min(until, now.getTime())).toISOString(),
    status: input.status ?? 'failed',
  };
}

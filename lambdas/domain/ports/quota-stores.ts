/** The plan quotas' counters in the config table (docs/quotas.md): webhooks per account, events per day. */
import type { DailyUsage } from '../model.js';

/** The account's webhook counter as stored: slots taken, and when it last moved (ISO 8601). */
export interface WebhookCount {
  readonly count: number;
  readonly updatedAt?: string;
}

/** What a reservation found: a slot taken, the plan full, no counter yet, or no account. */
export type WebhookSlotReservation =
  | { readonly outcome: 'reserved' }
  | { readonly outcome: 'full'; readonly counter: WebhookCount }
  | { readonly outcome: 'uncounted' }
  | { readonly outcome: 'no_account' };

/**
 * The per-account webhook counter (plan quota, docs/quotas.md): one slot per endpoint, taken by a
 * conditional write before the endpoint is created and given back when it is deleted, so concurrent
 * creates can never go past the limit between them.
 */
export interface WebhookCounter {
  /** Takes one slot if fewer than `limit` are taken (null = no limit), in one conditional write. */
  reserve(accountId: string, limit: number | null, now: string): Promise<WebhookSlotReservation>;
  /**
   * Gives one slot back (never below zero) for an endpoint deleted, or a create given up, after
   * `since` (ISO 8601, taken before that delete or reservation). A no-op for an account without a
   * counter, and when the counter was (re)counted after `since`: that count already left it out.
   */
  release(accountId: string, since: string, now: string): Promise<void>;
  /**
   * Starts the counter of an account that has none at `count`, a count of its endpoints taken
   * before this call; false when one exists already.
   */
  initialise(accountId: string, count: number, now: string): Promise<boolean>;
  /**
   * Sets the counter to `count` only if it is still exactly `seen` (value and time of its last move):
   * a recount that raced a create or a delete changes nothing. Returns whether it was set.
   */
  repair(accountId: string, seen: WebhookCount, count: number, now: string): Promise<boolean>;
  get(accountId: string): Promise<WebhookCount | undefined>;
}

/** Per-account, per-UTC-day event counters (quota). */
export interface UsageRepository {
  /**
   * Counts one event for `day` if fewer than `limit` are counted (null = no limit), atomically; when
   * the day is full, counts it as dropped instead. Returns whether it was admitted.
   */
  admitEvent(accountId: string, day: string, limit: number | null): Promise<boolean>;
  /**
   * admitEvent for `count` events at once, in one write when they all fit: how many of them (the
   * first ones) are admitted; the rest are counted as dropped.
   */
  admitEvents(accountId: string, day: string, limit: number | null, count: number): Promise<number>;
  /** Counts an event refused before it was queued (the API's up-front check). */
  countDropped(accountId: string, day: string): Promise<void>;
  get(accountId: string, day: string): Promise<DailyUsage>;
}

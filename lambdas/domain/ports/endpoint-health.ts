/**
 * An endpoint's health, kept on its webhook item by the delivery path and the escalation Tasks
 * (docs/escalation.md): the failure streak, the failing episode and its state, the healthy spell
 * that closes an escalated episode, and the daily cap of alert mails. Never configuration.
 */
import type { FailureState } from '../model.js';

export interface EndpointHealthRepository {
  /**
   * Counts a failed attempt (atomic increment) and returns the counters after it; never touches
   * configuration fields. Throws DomainError('not_found') when the endpoint is gone.
   */
  recordFailure(accountId: string, webhookId: string): Promise<FailureState>;
  /** Ends a failing streak and its episode at once (re-enabling; a 2xx before any escalation). */
  resetFailures(accountId: string, webhookId: string): Promise<void>;
  /**
   * A 2xx: ends the failing streak. An escalated episode stays open, marked healthy since `now`
   * (kept if already set), until its execution sees the cool-down pass; any other is closed at once.
   */
  recordSuccess(accountId: string, webhookId: string, now: string): Promise<void>;
  /**
   * Closes `episode` as recovered, only if no failure came since and the endpoint has been healthy
   * since `healthyBefore` or earlier. True when this call closed it.
   */
  closeRecovered(
    accountId: string,
    webhookId: string,
    episode: number,
    healthyBefore: string,
  ): Promise<boolean>;
  /**
   * Counts one alert mail of the endpoint for `day` (UTC, YYYY-MM-DD) if fewer than `cap` were
   * counted that day, atomically (conditional updates). False when the day's cap is reached.
   */
  claimAlertMail(accountId: string, webhookId: string, day: string, cap: number): Promise<boolean>;
  /**
   * Opens the next failing episode, only if none is open and the streak is still at least
   * `threshold` (one conditional write: of concurrent callers, exactly one wins). Returns the new
   * episode's number, or undefined when this call did not open one.
   */
  openEpisode(accountId: string, webhookId: string, threshold: number): Promise<number | undefined>;
  /** `open` → `escalated` once the episode's execution is known to exist; a no-op otherwise. */
  markEscalated(accountId: string, webhookId: string, episode: number): Promise<void>;
  /** Closes `episode` if it is still the current one (its execution is done with it). */
  closeEpisode(accountId: string, webhookId: string, episode: number): Promise<void>;
  /** The counters, read strongly consistent; undefined when the endpoint is gone. */
  getFailureState(accountId: string, webhookId: string): Promise<FailureState | undefined>;
}

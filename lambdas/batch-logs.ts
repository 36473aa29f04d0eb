import type { JobResult } from './services/delivery.js';
import type { FanOutResult } from './services/fanout.js';

/**
 * What the deliver and fanout handlers log (docs/observability.md, "Logs"): one info line per
 * invocation with counts, and a warn line only for what an operator acts on (a failed attempt, an
 * ended delivery, a parked message). The delivery record in DynamoDB is the audit trail of every
 * attempt; a line per delivery cost about $0.15 per million deliveries in logs (docs/cost.md,
 * option 10).
 */

/** One deliver invocation's jobs by what became of them. */
export type DeliveryBatchCounts = {
  readonly jobs: number;
  readonly delivered: number;
  /** Failed attempts with a retry scheduled. */
  readonly retried: number;
  /** Failed attempts that were the last (gone, failed, or retries used up). */
  readonly failed: number;
  /** Deliveries ended without an attempt (the endpoint deleted or disabled, the event expired). */
  readonly ended: number;
  /** Duplicate or stale jobs: nothing to do. */
  readonly skipped: number;
  /** Jobs put back to run later. */
  readonly deferred: number;
  /** Malformed jobs sent to the parked queue. */
  readonly parked: number;
  /** Records that threw: SQS delivers them again. */
  readonly recordErrors: number;
};

export function deliveryBatchCounts(
  jobs: number,
  results: readonly JobResult[],
  parked: number,
  recordErrors: number,
): DeliveryBatchCounts {
  let delivered = 0;
  let retried = 0;
  let failed = 0;
  let ended = 0;
  let skipped = 0;
  let deferred = 0;
  for (const result of results) {
    if (result.kind === 'attempted') {
      if (result.outcome === 'delivered') delivered += 1;
      else if (result.final) failed += 1;
      else retried += 1;
    } else if (result.kind === 'ended') ended += 1;
    else if (result.kind === 'skipped') skipped += 1;
    else deferred += 1;
  }
  return { jobs, delivered, retried, failed, ended, skipped, deferred, parked, recordErrors };
}

export type LogDetails = Record<string, string | number | boolean | undefined>;

/** The warn line a job's result needs, or undefined for one that went as it should. */
export function deliveryWarning(
  attempt: number,
  result: JobResult,
): { readonly message: string; readonly details: LogDetails } | undefined {
  if (result.kind === 'ended')
    return { message: 'delivery ended', details: { attempt, reason: result.reason } };
  if (result.kind !== 'attempted') return undefined;
  const { outcome, final, responseTimeMs, escalation, escalationError } = result;
  const details = { attempt, outcome, final, responseTimeMs, escalation, escalationError };
  if (outcome !== 'delivered') return { message: 'delivery attempt failed', details };
  // A success that could not record its endpoint's recovery.
  if (escalationError) return { message: 'escalation step failed', details };
  return undefined;
}

/** One fanout invocation's ingest messages by what became of them. */
export type FanOutBatchCounts = {
  readonly messages: number;
  /** Events fanned out (deliveries created for them). */
  readonly fannedOut: number;
  readonly deliveries: number;
  /** Events whose idempotency key another event holds. */
  readonly duplicates: number;
  /** Events over the account's daily quota. */
  readonly dropped: number;
  /** Messages sent to the parked queue (unreadable, unknown type or account). */
  readonly parked: number;
  readonly recordErrors: number;
};

export function fanOutBatchCounts(
  messages: number,
  results: readonly FanOutResult[],
  parked: number,
  recordErrors: number,
): FanOutBatchCounts {
  let fannedOut = 0;
  let deliveries = 0;
  let duplicates = 0;
  let dropped = 0;
  for (const result of results) {
    if (result.duplicateEvent) duplicates += 1;
    else if (result.dropped) dropped += 1;
    else fannedOut += 1;
    deliveries += result.deliveries;
  }
  return { messages, fannedOut, deliveries, duplicates, dropped, parked, recordErrors };
}

import { DomainError } from '../domain/errors.js';
import type { Delivery } from '../domain/model.js';
import { hourBucket } from '../domain/stats-hours.js';
import type { Dependencies } from './dependencies.js';

/** One more attempt of a delivery: what manual retry, retry-failed and recover share. */

/**
 * One more attempt of `delivery` as read, now: a final one (failed, or succeeded: a resend) is
 * reopened, a pending one whose next attempt is later is made due now. Conditional on the delivery
 * being still as read, so of concurrent calls (a double click, retry-failed and recover at once)
 * exactly one queues a job. False when nothing was queued: another call won, or a pending
 * delivery is due already (its job is queued or running).
 */
export async function resend(deps: RetryPorts, delivery: Delivery): Promise<boolean> {
  const now = deps.clock.now().toISOString();
  if (delivery.status === 'pending' && (!delivery.nextAttemptAt || delivery.nextAttemptAt <= now))
    return false;
  const expected = {
    status: delivery.status,
    attemptCount: delivery.attemptCount,
    ...(delivery.nextAttemptAt ? { nextAttemptAt: delivery.nextAttemptAt } : {}),
  };
  if (!(await deps.deliveries.reopen(delivery.id, expected, now))) return false;
  await deps.queue.enqueue([{ deliveryId: delivery.id, attempt: delivery.attemptCount + 1, dueAt: now }]);
  if (delivery.status !== 'pending') await uncountOutcome(deps, delivery);
  return true;
}

/**
 * A reopened delivery has no outcome until its next attempt ends: its old one leaves the counters
 * (all time, and the hour it was counted in), and its new one is counted when it comes. A
 * delivery counts once, by its latest outcome, so the stats keep matching the history; a resend of
 * a succeeded delivery never counts it twice.
 */
async function uncountOutcome(
  deps: Pick<Dependencies, 'stats' | 'clock'>,
  delivery: Delivery,
): Promise<void> {
  const endedAt = Date.parse(delivery.updatedAt);
  const hour = hourBucket(Number.isNaN(endedAt) ? deps.clock.now() : new Date(endedAt));
  const succeeded = delivery.status === 'succeeded';
  // A test send's outcome was counted apart (test_ok/test_fail): it leaves those counters.
  const delta = delivery.test
    ? { successful: 0, failed: 0, testSuccessful: succeeded ? -1 : 0, testFailed: succeeded ? 0 : -1 }
    : { successful: succeeded ? -1 : 0, failed: succeeded ? 0 : -1 };
  try {
    await deps.stats.add(delivery.webhookId, hour, { ...delta, responseTimeMsTotal: 0, timed: 0 });
  } catch (error) {
    // Derived data: the retry is queued already and must not be reported as failed for this.
    console.error(
      JSON.stringify({ level: 'ERROR', message: 'stats correction failed', error: String(error) }),
    );
  }
}

export type RetryPorts = Pick<
  Dependencies,
  'deliveries' | 'events' | 'webhooks' | 'queue' | 'stats' | 'clock'
>;

/** Refuses a resend to an endpoint that would not take it (paused or disabled). */
export function assertActive(webhook: { status: string }): void {
  if (webhook.status !== 'active') throw new DomainError('conflict', `The webhook is ${webhook.status}`);
}

import type { Delivery } from '../domain/model.js';
import type { Dependencies } from './dependencies.js';

/** How late a scheduled attempt must be before the reconciler assumes its message was lost. */
export const OVERDUE_GRACE_MS = 15 * 60 * 1000;
const BATCH = 500;
const SWEEP_LIMIT = 100_000;

export type ReconcilePorts = Pick<Dependencies, 'deliveries' | 'queue' | 'clock'>;

/**
 * Finds pending deliveries whose next attempt is overdue (their queue message was lost, or a crash
 * came between the DynamoDB write and the SQS send) and queues them again. Idempotent: the delivery
 * handler drops a job whose attempt was already made.
 */
export async function requeueOverdue(deps: ReconcilePorts, graceMs = OVERDUE_GRACE_MS): Promise<number> {
  const now = deps.clock.now();
  return requeue(
    deps,
    await deps.deliveries.findOverdue(new Date(now.getTime() - graceMs).toISOString(), BATCH),
  );
}

/**
 * Every pending delivery, due or not: for a runtime whose queues were just created empty (the local
 * runtime after a crash). Read from the table, not the `due` index: the embedded engine writes an
 * item and its index entries separately, so a SIGKILL between them leaves an item the index misses.
 * Jobs keep their due time; early ones hop until then.
 */
export async function requeueAllPending(deps: ReconcilePorts): Promise<number> {
  return requeue(deps, await deps.deliveries.scanPending(SWEEP_LIMIT));
}

async function requeue(deps: ReconcilePorts, deliveries: readonly Delivery[]): Promise<number> {
  const now = deps.clock.now().toISOString();
  const jobs = deliveries
    .filter((delivery) => delivery.status === 'pending')
    .map((delivery) => ({
      deliveryId: delivery.id,
      attempt: delivery.attemptCount + 1,
      dueAt: delivery.nextAttemptAt && delivery.nextAttemptAt > now ? delivery.nextAttemptAt : now,
    }));
  await deps.queue.enqueue(jobs);
  return jobs.length;
}

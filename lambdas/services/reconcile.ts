import type { Dependencies } from './dependencies.js';

/** How late a scheduled attempt must be before the reconciler assumes its message was lost. */
export const OVERDUE_GRACE_MS = 15 * 60 * 1000;
const BATCH = 500;

/**
 * Finds pending deliveries whose next attempt is overdue (their queue message was lost, or a crash
 * came between the DynamoDB write and the SQS send) and queues them again. Idempotent: the delivery
 * handler drops a job whose attempt was already made.
 */
export async function requeueOverdue(deps: Dependencies, graceMs = OVERDUE_GRACE_MS): Promise<number> {
  const now = deps.clock.now();
  const overdue = await deps.deliveries.findOverdue(new Date(now.getTime() - graceMs).toISOString(), BATCH);
  const jobs = overdue
    .filter((delivery) => delivery.status === 'pending')
    .map((delivery) => ({
      deliveryId: delivery.id,
      attempt: delivery.attemptCount + 1,
      dueAt: now.toISOString(),
    }));
  await deps.queue.enqueue(jobs);
  return jobs.length;
}

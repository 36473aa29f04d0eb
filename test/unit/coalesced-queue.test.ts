import { describe, expect, it } from 'vitest';
import type { DeliveryJob, DeliveryQueue, ParkedRecord } from '../../lambdas/domain/ports/queues.js';
import { CoalescedQueue } from '../../lambdas/services/coalesced-queue.js';

/** A queue that records each enqueue call it was given. */
class RecordingQueue implements DeliveryQueue {
  readonly calls: { jobs: readonly DeliveryJob[]; delaySeconds: number | undefined }[] = [];
  failNext = false;
  async enqueue(jobs: readonly DeliveryJob[], delaySeconds?: number): Promise<void> {
    this.calls.push({ jobs, delaySeconds });
    if (this.failNext) throw new Error('SQS unavailable');
  }
  async park(_record: ParkedRecord): Promise<void> {}
}

const jobsOf = (event: string, count: number): DeliveryJob[] =>
  Array.from({ length: count }, (_, index) => ({
    deliveryId: `dlv_${event}_${index}`,
    attempt: 1,
    dueAt: '2026-12-01T00:00:00.000Z',
  }));

describe('CoalescedQueue', () => {
  it('sends the jobs of concurrent fan-outs in one call, keeping each delay apart', async () => {
    // Prepare
    const queue = new RecordingQueue();
    const coalesced = new CoalescedQueue(queue, 5);

    // Act: three events' jobs at once, one of them delayed
    await Promise.all([
      coalesced.enqueue(jobsOf('a', 5)),
      coalesced.enqueue(jobsOf('b', 5)),
      coalesced.enqueue(jobsOf('c', 2), 60),
    ]);

    // Assess
    expect(queue.calls.map((call) => [call.jobs.length, call.delaySeconds])).toEqual([
      [10, 0],
      [2, 60],
    ]);
    expect(queue.calls[0]?.jobs.map((job) => job.deliveryId)).toEqual([
      ...jobsOf('a', 5).map((job) => job.deliveryId),
      ...jobsOf('b', 5).map((job) => job.deliveryId),
    ]);
  });

  it('fails every fan-out of a wave whose send failed, and sends nothing for no jobs', async () => {
    // Prepare
    const queue = new RecordingQueue();
    queue.failNext = true;
    const coalesced = new CoalescedQueue(queue, 5);

    // Act
    const outcomes = await Promise.allSettled([
      coalesced.enqueue(jobsOf('a', 1)),
      coalesced.enqueue(jobsOf('b', 1)),
      coalesced.enqueue([]),
    ]);

    // Assess
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected', 'fulfilled']);
    expect(queue.calls).toHaveLength(1);
  });
});

import type { DeliveryJob, DeliveryQueue, ParkedRecord } from '../domain/ports/queues.js';

/**
 * Fan-out's delivery queue, sending the jobs of concurrent fan-outs together (docs/cost.md): an SQS
 * batch's messages are fanned out at once, five jobs an event at the bench's fan-out, and each
 * SendMessageBatch carries up to 10. The jobs enqueued within `windowMs` of the first of a wave,
 * with the same delay, go out in full batches. A failed send fails every call of its wave: each
 * message is retried, and its replay re-sends the jobs checked (fanout.ts), never losing one.
 */

export const ENQUEUE_WINDOW_MS = 5;

interface Wave {
  readonly jobs: DeliveryJob[];
  readonly waiting: { resolve: () => void; reject: (error: unknown) => void }[];
}

export class CoalescedQueue implements DeliveryQueue {
  private readonly waves = new Map<number, Wave>();

  constructor(
    private readonly queue: DeliveryQueue,
    private readonly windowMs = ENQUEUE_WINDOW_MS,
  ) {}

  enqueue(jobs: readonly DeliveryJob[], delaySeconds = 0): Promise<void> {
    if (jobs.length === 0) return Promise.resolve();
    let wave = this.waves.get(delaySeconds);
    if (!wave) {
      const opened: Wave = { jobs: [], waiting: [] };
      wave = opened;
      this.waves.set(delaySeconds, opened);
      setTimeout(() => {
        this.waves.delete(delaySeconds);
        void this.send(opened, delaySeconds);
      }, this.windowMs);
    }
    const joined = wave;
    joined.jobs.push(...jobs);
    return new Promise((resolve, reject) => joined.waiting.push({ resolve, reject }));
  }

  private async send(wave: Wave, delaySeconds: number): Promise<void> {
    try {
      await this.queue.enqueue(wave.jobs, delaySeconds);
      for (const waiting of wave.waiting) waiting.resolve();
    } catch (error) {
      for (const waiting of wave.waiting) waiting.reject(error);
    }
  }

  park(record: ParkedRecord): Promise<void> {
    return this.queue.park(record);
  }
}

import type { DeliveryJob, DeliveryQueue, ParkedRecord } from '../domain/ports/queues.js';
import { Waves } from './waves.js';

/**
 * Fan-out's delivery queue, sending the jobs of concurrent fan-outs together (docs/cost.md): an SQS
 * batch's messages are fanned out at once, five jobs an event at the bench's fan-out, and each
 * SendMessageBatch carries up to 10. The jobs enqueued within `windowMs` of the first of a wave,
 * with the same delay, go out in full batches. A failed send fails every call of its wave: each
 * message is retried, and its replay re-sends the jobs checked (fanout.ts), never losing one.
 */

export const ENQUEUE_WINDOW_MS = 5;

interface Enqueued {
  readonly jobs: readonly DeliveryJob[];
  readonly delaySeconds: number;
}

export class CoalescedQueue implements DeliveryQueue {
  private readonly waves: Waves<Enqueued, void>;

  constructor(
    private readonly queue: DeliveryQueue,
    windowMs = ENQUEUE_WINDOW_MS,
  ) {
    this.waves = new Waves<Enqueued, void>(windowMs, async (wave) => {
      await queue.enqueue(
        wave.flatMap((enqueued) => enqueued.jobs),
        wave[0]!.delaySeconds,
      );
      return wave.map(() => undefined);
    });
  }

  enqueue(jobs: readonly DeliveryJob[], delaySeconds = 0): Promise<void> {
    if (jobs.length === 0) return Promise.resolve();
    return this.waves.join(String(delaySeconds), { jobs, delaySeconds });
  }

  park(record: ParkedRecord): Promise<void> {
    return this.queue.park(record);
  }
}

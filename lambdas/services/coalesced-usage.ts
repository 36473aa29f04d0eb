import type { DailyUsage } from '../domain/model.js';
import type { UsageRepository } from '../domain/ports/quota-stores.js';

/**
 * Fan-out's usage counter, one write per account per wave of events instead of one per event
 * (docs/cost.md, option 4). An SQS batch's messages are fanned out concurrently, and their
 * admissions reach the counter within milliseconds of each other: the calls for one account and
 * day that arrive within `windowMs` of the first are admitted together by one `admitEvents`, the
 * first ones in arrival order taking the room left. The quota stays exact (the store's write is
 * conditional); a failed write fails every call of its wave, so each message is retried.
 */

export const ADMISSION_WINDOW_MS = 10;

interface Waiting {
  readonly resolve: (admitted: boolean) => void;
  readonly reject: (error: unknown) => void;
}

interface Wave {
  readonly accountId: string;
  readonly day: string;
  readonly limit: number | null;
  readonly waiting: Waiting[];
}

export class CoalescedUsage implements UsageRepository {
  private readonly waves = new Map<string, Wave>();

  constructor(
    private readonly store: UsageRepository,
    private readonly windowMs = ADMISSION_WINDOW_MS,
  ) {}

  admitEvent(accountId: string, day: string, limit: number | null): Promise<boolean> {
    const key = JSON.stringify([accountId, day, limit]);
    let wave = this.waves.get(key);
    if (!wave) {
      const opened: Wave = { accountId, day, limit, waiting: [] };
      wave = opened;
      this.waves.set(key, opened);
      setTimeout(() => {
        this.waves.delete(key);
        void this.admit(opened);
      }, this.windowMs);
    }
    const joined = wave;
    return new Promise((resolve, reject) => joined.waiting.push({ resolve, reject }));
  }

  private async admit(wave: Wave): Promise<void> {
    try {
      const admitted = await this.store.admitEvents(
        wave.accountId,
        wave.day,
        wave.limit,
        wave.waiting.length,
      );
      for (const [index, waiting] of wave.waiting.entries()) waiting.resolve(index < admitted);
    } catch (error) {
      for (const waiting of wave.waiting) waiting.reject(error);
    }
  }

  admitEvents(accountId: string, day: string, limit: number | null, count: number): Promise<number> {
    return this.store.admitEvents(accountId, day, limit, count);
  }

  countDropped(accountId: string, day: string): Promise<void> {
    return this.store.countDropped(accountId, day);
  }

  get(accountId: string, day: string): Promise<DailyUsage> {
    return this.store.get(accountId, day);
  }
}

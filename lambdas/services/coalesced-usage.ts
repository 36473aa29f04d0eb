import type { DailyUsage } from '../domain/model.js';
import type { UsageRepository } from '../domain/ports/quota-stores.js';
import { Waves } from './waves.js';

/**
 * Fan-out's usage counter, one write per account per wave of events instead of one per event
 * (docs/cost.md, option 4). An SQS batch's messages are fanned out concurrently, and their
 * admissions reach the counter within milliseconds of each other: the calls for one account and
 * day that arrive within `windowMs` of the first are admitted together by one `admitEvents`, the
 * first ones in arrival order taking the room left. The quota stays exact (the store's write is
 * conditional); a failed write fails every call of its wave, so each message is retried.
 */

export const ADMISSION_WINDOW_MS = 10;

interface Admission {
  readonly accountId: string;
  readonly day: string;
  readonly limit: number | null;
}

export class CoalescedUsage implements UsageRepository {
  private readonly waves: Waves<Admission, boolean>;

  constructor(
    private readonly store: UsageRepository,
    windowMs = ADMISSION_WINDOW_MS,
  ) {
    this.waves = new Waves(windowMs, async (wave) => {
      const { accountId, day, limit } = wave[0]!;
      const admitted = await store.admitEvents(accountId, day, limit, wave.length);
      return wave.map((_, index) => index < admitted);
    });
  }

  admitEvent(accountId: string, day: string, limit: number | null): Promise<boolean> {
    return this.waves.join(JSON.stringify([accountId, day, limit]), { accountId, day, limit });
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

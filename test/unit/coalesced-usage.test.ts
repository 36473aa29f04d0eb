import { describe, expect, it } from 'vitest';
import type { DailyUsage } from '../../lambdas/domain/model.js';
import type { UsageRepository } from '../../lambdas/domain/ports/quota-stores.js';
import { CoalescedUsage } from '../../lambdas/services/coalesced-usage.js';

/** A counter in memory that records each batched admission it was asked for. */
class CountingStore implements UsageRepository {
  readonly batches: { accountId: string; count: number }[] = [];
  events = 0;
  failNext = false;
  constructor(private readonly limit: number) {}
  async admitEvent(): Promise<boolean> {
    throw new Error('fan-out admits through admitEvents only');
  }
  async admitEvents(accountId: string, _day: string, _limit: number | null, count: number): Promise<number> {
    this.batches.push({ accountId, count });
    if (this.failNext) throw new Error('throttled');
    const admitted = Math.max(0, Math.min(count, this.limit - this.events));
    this.events += admitted;
    return admitted;
  }
  async countDropped(): Promise<void> {}
  async get(): Promise<DailyUsage> {
    return { events: this.events, dropped: 0 };
  }
}

describe('CoalescedUsage', () => {
  it('admits one wave of an account in one batched write, the first arrivals taking the room left', async () => {
    // Prepare: room for 3 of 5
    const store = new CountingStore(3);
    const usage = new CoalescedUsage(store, 5);

    // Act
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => usage.admitEvent('acc_a', '2026-12-01', 3)),
    );

    // Assess
    expect(store.batches).toEqual([{ accountId: 'acc_a', count: 5 }]);
    expect(answers).toEqual([true, true, true, false, false]);
  });

  it('keeps accounts apart and starts a new wave once the window closed', async () => {
    // Prepare
    const store = new CountingStore(100);
    const usage = new CoalescedUsage(store, 5);

    // Act
    await Promise.all([usage.admitEvent('acc_a', 'd', 100), usage.admitEvent('acc_b', 'd', 100)]);
    await usage.admitEvent('acc_a', 'd', 100);

    // Assess
    expect(store.batches).toEqual([
      { accountId: 'acc_a', count: 1 },
      { accountId: 'acc_b', count: 1 },
      { accountId: 'acc_a', count: 1 },
    ]);
  });

  it('fails every call of a wave whose write failed, so each message is retried', async () => {
    // Prepare
    const store = new CountingStore(10);
    store.failNext = true;
    const usage = new CoalescedUsage(store, 5);

    // Act
    const answers = await Promise.allSettled([
      usage.admitEvent('acc_a', 'd', 10),
      usage.admitEvent('acc_a', 'd', 10),
    ]);

    // Assess
    expect(answers.map((answer) => answer.status)).toEqual(['rejected', 'rejected']);
  });
});

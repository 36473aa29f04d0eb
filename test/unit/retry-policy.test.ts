import { describe, expect, it } from 'vitest';
import type { RetryPolicy } from '../../lambdas/domain/model.js';
import {
  DEFAULT_RETRY_POLICY,
  MAX_RETRY_AFTER_SECONDS,
  MAX_SQS_DELAY_SECONDS,
  nextHopDelaySeconds,
  retryDelaySeconds,
} from '../../lambdas/domain/retry-policy.js';

const noJitter = { random: () => 0 };
const fullJitter = { random: () => 0.9999999 };

describe('retryDelaySeconds', () => {
  it('follows the default schedule and stops after six retries', () => {
    // Prepare
    const failedAttempts = [1, 2, 3, 4, 5, 6, 7];
    // Act
    const delays = failedAttempts.map((attempt) =>
      retryDelaySeconds(DEFAULT_RETRY_POLICY, attempt, noJitter),
    );
    // Assess
    expect(delays).toEqual([60, 300, 1800, 7200, 28800, 86400, undefined]);
  });

  it('repeats the last interval when the list is shorter than maxRetries', () => {
    // Prepare
    const policy: RetryPolicy = { maxRetries: 5, intervalsSeconds: [10, 20] };
    // Act
    const delays = [1, 2, 3, 4, 5, 6].map((attempt) => retryDelaySeconds(policy, attempt, noJitter));
    // Assess
    expect(delays).toEqual([10, 20, 20, 20, 20, undefined]);
  });

  it('sends once and never retries when maxRetries is 0', () => {
    // Prepare
    const policy: RetryPolicy = { maxRetries: 0, intervalsSeconds: [60] };
    // Act
    const delay = retryDelaySeconds(policy, 1, noJitter);
    // Assess
    expect(delay).toBeUndefined();
  });

  it('adds up to 10% jitter, never earlier than configured', () => {
    // Prepare
    const configured = DEFAULT_RETRY_POLICY.intervalsSeconds;
    // Act
    const lowest = configured.map((_, index) => retryDelaySeconds(DEFAULT_RETRY_POLICY, index + 1, noJitter));
    const highest = configured.map((_, index) =>
      retryDelaySeconds(DEFAULT_RETRY_POLICY, index + 1, fullJitter),
    );
    const middle = retryDelaySeconds(DEFAULT_RETRY_POLICY, 1, { random: () => 0.5 });
    // Assess
    expect(lowest).toEqual([...configured]);
    configured.forEach((interval, index) => {
      expect(highest[index]).toBeGreaterThan(interval);
      expect(highest[index]).toBeLessThanOrEqual(Math.ceil(interval * 1.1));
      expect(Number.isInteger(highest[index])).toBe(true);
    });
    expect(middle).toBe(63);
  });

  it('rounds a fractional jittered delay up to whole seconds', () => {
    // Prepare
    const policy: RetryPolicy = { maxRetries: 1, intervalsSeconds: [7] };
    // Act
    const delay = retryDelaySeconds(policy, 1, { random: () => 0.5 });
    // Assess: 7 × 1.05 = 7.35
    expect(delay).toBe(8);
  });

  it('honours Retry-After instead of the schedule, without jitter', () => {
    // Prepare
    const options = { random: () => 0.9999999, retryAfterSeconds: 120 };
    // Act
    const delay = retryDelaySeconds(DEFAULT_RETRY_POLICY, 1, options);
    // Assess
    expect(delay).toBe(120);
  });

  it('clamps Retry-After to between 1 second and a day', () => {
    // Prepare
    const tooSoon = { ...noJitter, retryAfterSeconds: 0 };
    const tooLate = { ...noJitter, retryAfterSeconds: 10 * MAX_RETRY_AFTER_SECONDS };
    // Act
    const soonDelay = retryDelaySeconds(DEFAULT_RETRY_POLICY, 2, tooSoon);
    const lateDelay = retryDelaySeconds(DEFAULT_RETRY_POLICY, 2, tooLate);
    // Assess
    expect(soonDelay).toBe(1);
    expect(lateDelay).toBe(86400);
  });

  it('does not let Retry-After extend a policy that is exhausted', () => {
    // Prepare
    const options = { ...noJitter, retryAfterSeconds: 30 };
    // Act
    const delay = retryDelaySeconds(DEFAULT_RETRY_POLICY, 7, options);
    // Assess
    expect(delay).toBeUndefined();
  });

  it('rejects an attempt number below 1', () => {
    // Prepare
    const attempt = 0;
    // Act
    const compute = () => retryDelaySeconds(DEFAULT_RETRY_POLICY, attempt, noJitter);
    // Assess
    expect(compute).toThrow(RangeError);
  });
});

describe('nextHopDelaySeconds', () => {
  const now = Date.parse('2024-05-01T10:00:00.000Z');

  it.each([
    ['past due', now - 5000, 0],
    ['exactly due', now, 0],
    ['due within a second', now + 999, 0],
    ['a few seconds away', now + 4200, 5],
    ['exactly 15 minutes away', now + 900_000, 900],
    ['an hour away', now + 3_600_000, 900],
  ])('%s', (_label, dueAt, expected) => {
    // Prepare: the table row.
    // Act
    const delay = nextHopDelaySeconds(dueAt, now);
    // Assess
    expect(delay).toBe(expected);
  });

  it('chains a 7200 s wait into 8 hops of 900 s', () => {
    // Prepare
    const dueAt = now + 7200 * 1000;
    const hops: number[] = [];
    let clock = now;
    // Act: each hop arrives when its delay has passed and asks how long is left.
    for (
      let delay = nextHopDelaySeconds(dueAt, clock);
      delay > 0;
      delay = nextHopDelaySeconds(dueAt, clock)
    ) {
      hops.push(delay);
      clock += delay * 1000;
      if (hops.length > 100) break;
    }
    // Assess
    expect(hops).toEqual(new Array(8).fill(MAX_SQS_DELAY_SECONDS));
    expect(clock).toBe(dueAt);
  });

  it('ends a chain with the remainder when the wait is not a multiple of 900 s', () => {
    // Prepare
    const dueAt = now + 1000 * 1000;
    const hops: number[] = [];
    let clock = now;
    // Act
    for (
      let delay = nextHopDelaySeconds(dueAt, clock);
      delay > 0;
      delay = nextHopDelaySeconds(dueAt, clock)
    ) {
      hops.push(delay);
      clock += delay * 1000;
      if (hops.length > 100) break;
    }
    // Assess
    expect(hops).toEqual([900, 100]);
  });
});

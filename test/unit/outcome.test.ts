import { describe, expect, it } from 'vitest';
import { type AttemptOutcome, classifyAttempt, parseRetryAfter } from '../../lambdas/domain/outcome.js';
import type { OutboundResponse } from '../../lambdas/domain/ports.js';

const NOW_MS = Date.parse('2024-05-01T10:00:00.000Z');

const answered = (statusCode: number, retryAfter?: string): OutboundResponse => ({
  statusCode,
  responseTimeMs: 42,
  ...(retryAfter === undefined ? {} : { retryAfter }),
});

describe('classifyAttempt', () => {
  it.each<readonly [number, AttemptOutcome['kind']]>([
    [100, 'failed'],
    [101, 'failed'],
    [200, 'delivered'],
    [201, 'delivered'],
    [202, 'delivered'],
    [204, 'delivered'],
    [299, 'delivered'],
    [301, 'failed'],
    [302, 'failed'],
    [304, 'failed'],
    [307, 'failed'],
    [308, 'failed'],
    [400, 'failed'],
    [401, 'failed'],
    [403, 'failed'],
    [404, 'failed'],
    [405, 'failed'],
    [408, 'retry'],
    [409, 'failed'],
    [410, 'gone'],
    [413, 'failed'],
    [422, 'failed'],
    [425, 'retry'],
    [429, 'retry'],
    [499, 'failed'],
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
    [504, 'retry'],
    [599, 'retry'],
    [600, 'failed'],
  ])('status %i → %s', (statusCode, expectedKind) => {
    // Prepare
    const response = answered(statusCode);
    // Act
    const outcome = classifyAttempt(response, NOW_MS);
    // Assess
    expect(outcome.kind).toBe(expectedKind);
  });

  it.each(['timeout: no complete response within 5000 ms', 'connection refused', 'blocked address: x'])(
    'retries when no HTTP answer came (%s)',
    (error) => {
      // Prepare
      const response: OutboundResponse = { error, responseTimeMs: 5000 };
      // Act
      const outcome = classifyAttempt(response, NOW_MS);
      // Assess
      expect(outcome).toEqual({ kind: 'retry' });
    },
  );

  it('carries Retry-After seconds on a 429', () => {
    // Prepare
    const response = answered(429, '120');
    // Act
    const outcome = classifyAttempt(response, NOW_MS);
    // Assess
    expect(outcome).toEqual({ kind: 'retry', retryAfterSeconds: 120 });
  });

  it('carries a Retry-After date on a 503', () => {
    // Prepare
    const response = answered(503, 'Wed, 01 May 2024 10:05:00 GMT');
    // Act
    const outcome = classifyAttempt(response, NOW_MS);
    // Assess
    expect(outcome).toEqual({ kind: 'retry', retryAfterSeconds: 300 });
  });

  it('ignores a garbage Retry-After', () => {
    // Prepare
    const response = answered(503, 'soon');
    // Act
    const outcome = classifyAttempt(response, NOW_MS);
    // Assess
    expect(outcome).toEqual({ kind: 'retry' });
  });

  it('ignores Retry-After on a final failure', () => {
    // Prepare
    const response = answered(400, '60');
    // Act
    const outcome = classifyAttempt(response, NOW_MS);
    // Assess
    expect(outcome).toEqual({ kind: 'failed' });
  });
});

describe('parseRetryAfter', () => {
  it.each<readonly [string | undefined, number | undefined]>([
    ['0', 0],
    ['30', 30],
    [' 45 ', 45],
    ['86400', 86400],
    ['Wed, 01 May 2024 10:01:00 GMT', 60],
    ['Wednesday, 01-May-24 10:02:00 GMT', 120],
    ['Wed May  1 10:03:00 2024', 180],
    ['Wed, 01 May 2024 09:00:00 GMT', 0],
    [undefined, undefined],
    ['', undefined],
    ['soon', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['12abc', undefined],
    ['2024-05-01T10:05:00Z', undefined],
    ['Wed, 99 Foo 2024 10:01:00 GMT', undefined],
  ])('%j → %s', (value, expected) => {
    // Prepare: the table row.
    // Act
    const seconds = parseRetryAfter(value, NOW_MS);
    // Assess
    expect(seconds).toBe(expected);
  });

  it('rounds a date that is a fraction of a second away up', () => {
    // Prepare
    const now = NOW_MS + 200;
    // Act
    const seconds = parseRetryAfter('Wed, 01 May 2024 10:00:10 GMT', now);
    // Assess
    expect(seconds).toBe(10);
  });
});

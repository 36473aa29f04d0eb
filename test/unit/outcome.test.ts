import { describe, expect, it } from 'vitest';
import {
  type AttemptOutcome,
  boundAttempt,
  classifyAttempt,
  keptAttempts,
  MAX_ATTEMPT_ERROR_BYTES,
  MAX_RESPONSE_BODY_BYTES,
  MAX_STORED_ATTEMPTS,
  parseRetryAfter,
  truncateUtf8,
} from '../../lambdas/domain/outcome.js';
import type { OutboundResponse } from '../../lambdas/domain/ports/outbound-http.js';
import { anAttempt } from '../support/factories.js';

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

describe('what a delivery stores of its attempts', () => {
  const utf8Bytes = (text: string | undefined) => new TextEncoder().encode(text ?? '').length;

  it.each([
    ['ascii', 'a'.repeat(5000), 10, 'a'.repeat(10)],
    ['short enough', 'héllo', 6, 'héllo'],
    ['a 2-byte character at the cut', 'aé', 2, 'a'],
    ['3-byte characters', '€€€', 8, '€€'],
    ['a 4-byte character (surrogate pair)', 'a😀', 4, 'a'],
  ])('truncateUtf8 cuts %s between characters', (_, text, maxBytes, expected) => {
    // Act
    const cut = truncateUtf8(text, maxBytes);
    // Assess
    expect(cut).toBe(expected);
    expect(utf8Bytes(cut)).toBeLessThanOrEqual(maxBytes);
  });

  it('bounds the response body to 4 KB and the error text to 1 KB, in UTF-8 bytes', () => {
    // Prepare
    const attempt = anAttempt({ responseBody: '€'.repeat(4000), error: 'ß'.repeat(4000) });
    // Act
    const bounded = boundAttempt(attempt);
    // Assess
    expect(utf8Bytes(bounded.responseBody)).toBe(MAX_RESPONSE_BODY_BYTES - 1); // 1365 × 3 bytes
    expect(utf8Bytes(bounded.error)).toBe(MAX_ATTEMPT_ERROR_BYTES);
    expect(bounded).toMatchObject({ attempt: attempt.attempt, statusCode: attempt.statusCode });
    expect(boundAttempt(anAttempt({ responseBody: 'ok' }))).toEqual(anAttempt({ responseBody: 'ok' }));
  });

  it('keeps the newest 50 attempts, oldest first', () => {
    // Prepare
    const previous = Array.from({ length: MAX_STORED_ATTEMPTS }, (_, index) =>
      anAttempt({ attempt: index + 1 }),
    );
    // Act
    const kept = keptAttempts(previous, anAttempt({ attempt: MAX_STORED_ATTEMPTS + 1 }));
    const few = keptAttempts(previous.slice(0, 2), anAttempt({ attempt: 3 }));
    // Assess
    expect(kept.map((attempt) => attempt.attempt)).toEqual(
      Array.from({ length: MAX_STORED_ATTEMPTS }, (_, index) => index + 2),
    );
    expect(few.map((attempt) => attempt.attempt)).toEqual([1, 2, 3]);
  });
});

import { describe, expect, it } from 'vitest';
import { DEFAULT_RETRY_POLICY } from '../../lambdas/domain/retry-policy.js';
import { createWebhookBody, rotateSecretBody } from '../../lambdas/domain/schemas.js';
import * as server from '../../lambdas/domain/signing.js';
import * as portal from '../../portal/src/config/rules.js';

/**
 * The portal checks a form before sending it with copies of the API's rules
 * (portal/src/config/rules.ts): the copies must say what the API says, or the form refuses what the
 * API takes (or the other way round).
 */
const body = (overrides: Record<string, unknown>) => ({
  name: 'n',
  url: 'https://example.com/h',
  events: [],
  ...overrides,
});
const accepted = (overrides: Record<string, unknown>) => createWebhookBody.safeParse(body(overrides)).success;

describe('the portal form rules', () => {
  it('reserve exactly the header names the API reserves', () => {
    // Assess
    expect([...portal.RESERVED_HEADER_NAMES].sort()).toEqual([...server.RESERVED_HEADER_NAMES].sort());
    expect(portal.RESERVED_HEADER_PREFIXES).toEqual(server.RESERVED_HEADER_PREFIXES);
    for (const name of [
      'Host',
      'WEBHOOK-ID',
      'x-webhook-signature',
      'Proxy-Authorization',
      'X-Tenant',
      'te',
      'tea',
    ])
      expect(portal.isReservedHeaderName(name), name).toBe(server.isReservedHeaderName(name));
  });

  it('know the default retry schedule', () => {
    expect(portal.DEFAULT_MAX_RETRIES).toBe(DEFAULT_RETRY_POLICY.maxRetries);
    expect(portal.DEFAULT_INTERVALS_SECONDS).toEqual(DEFAULT_RETRY_POLICY.intervalsSeconds);
  });

  it.each([
    ['name', portal.MAX_NAME_LENGTH, (n: number) => ({ name: 'a'.repeat(n) })],
    ['description', portal.MAX_DESCRIPTION_LENGTH, (n: number) => ({ description: 'a'.repeat(n) })],
    ['url', portal.MAX_URL_LENGTH, (n: number) => ({ url: `https://example.com/${'a'.repeat(n - 20)}` })],
    ['max_retries', portal.MAX_RETRIES, (n: number) => ({ retry_policy: { max_retries: n } })],
    ['timeout_seconds', portal.MAX_TIMEOUT_SECONDS, (n: number) => ({ timeout_seconds: n })],
    [
      'failure_threshold',
      portal.MAX_FAILURE_THRESHOLD,
      (n: number) => ({ alerting: { failure_threshold: n } }),
    ],
    ['header name', portal.MAX_HEADER_NAME_LENGTH, (n: number) => ({ headers: { ['x'.repeat(n)]: 'v' } })],
    ['header value', portal.MAX_HEADER_VALUE_LENGTH, (n: number) => ({ headers: { 'X-A': 'v'.repeat(n) } })],
  ])('cap %s where the API does (%i)', (_field, limit, make) => {
    expect(accepted(make(limit))).toBe(true);
    expect(accepted(make(limit + 1))).toBe(false);
  });

  it('offer the grace periods the rotation takes', () => {
    expect(
      rotateSecretBody.safeParse({ grace_period_seconds: portal.MAX_GRACE_PERIOD_HOURS * 3600 }).success,
    ).toBe(true);
    expect(
      rotateSecretBody.safeParse({ grace_period_seconds: portal.MAX_GRACE_PERIOD_HOURS * 3600 + 1 }).success,
    ).toBe(false);
  });
});

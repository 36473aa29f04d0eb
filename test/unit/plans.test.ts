import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PLAN_LIMITS,
  hasRoom,
  parsePlanLimits,
  planLimitsResource,
  usageDay,
  withPlanLimitOverrides,
} from '../../lambdas/domain/plans.js';

describe('DEFAULT_PLAN_LIMITS', () => {
  it('are the seed: scale 20/100,000, pro 50/500,000, enterprise unlimited', () => {
    // Assess
    expect(DEFAULT_PLAN_LIMITS).toEqual({
      scale: { maxWebhooks: 20, maxEventsPerDay: 100_000 },
      pro: { maxWebhooks: 50, maxEventsPerDay: 500_000 },
      enterprise: { maxWebhooks: null, maxEventsPerDay: null },
    });
  });

  it('show unlimited as null in the API', () => {
    // Act
    const resource = planLimitsResource(DEFAULT_PLAN_LIMITS.enterprise);
    // Assess
    expect(resource).toEqual({ max_webhooks: null, max_events_per_day: null });
  });
});

describe('withPlanLimitOverrides', () => {
  it('overrides only the fields named and keeps every other default', () => {
    // Act
    const limits = withPlanLimitOverrides({
      scale: { maxEventsPerDay: 5 },
      enterprise: { maxWebhooks: 1000 },
    });
    // Assess
    expect(limits).toEqual({
      scale: { maxWebhooks: 20, maxEventsPerDay: 5 },
      pro: { maxWebhooks: 50, maxEventsPerDay: 500_000 },
      enterprise: { maxWebhooks: 1000, maxEventsPerDay: null },
    });
  });

  it('can make a limited plan unlimited with null, and allows 0', () => {
    // Act
    const limits = withPlanLimitOverrides({ pro: { maxWebhooks: null, maxEventsPerDay: 0 } });
    // Assess
    expect(limits.pro).toEqual({ maxWebhooks: null, maxEventsPerDay: 0 });
  });

  it.each([-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 2e9])('rejects the limit %s', (value) => {
    // Act + Assess
    expect(() => withPlanLimitOverrides({ scale: { maxWebhooks: value } })).toThrow(/scale\.maxWebhooks/);
  });

  it('returns the defaults for no overrides', () => {
    // Assess
    expect(withPlanLimitOverrides(undefined)).toEqual(DEFAULT_PLAN_LIMITS);
  });
});

describe('parsePlanLimits (PLAN_LIMITS)', () => {
  it('is the defaults when unset or blank', () => {
    // Assess
    expect(parsePlanLimits(undefined)).toEqual(DEFAULT_PLAN_LIMITS);
    expect(parsePlanLimits('  ')).toEqual(DEFAULT_PLAN_LIMITS);
  });

  it('reads snake_case per-plan overrides over the defaults', () => {
    // Act
    const limits = parsePlanLimits(
      JSON.stringify({
        scale: { max_webhooks: 3, max_events_per_day: 10 },
        enterprise: { max_events_per_day: 1e6 },
      }),
    );
    // Assess
    expect(limits.scale).toEqual({ maxWebhooks: 3, maxEventsPerDay: 10 });
    expect(limits.pro).toEqual(DEFAULT_PLAN_LIMITS.pro);
    expect(limits.enterprise).toEqual({ maxWebhooks: null, maxEventsPerDay: 1_000_000 });
  });

  it.each([
    ['not JSON', '{scale', /not valid JSON/],
    ['an array', '[]', /JSON object/],
    ['an unknown plan', '{"platinum":{"max_webhooks":1}}', /unknown plan "platinum"/],
    ['an unknown field', '{"scale":{"maxWebhooks":1}}', /unknown field "maxWebhooks"/],
    ['an inherited name', '{"scale":{"toString":1}}', /unknown field "toString"/],
    ['a plan that is not an object', '{"pro":5}', /PLAN_LIMITS\.pro must be an object/],
    ['a negative limit', '{"pro":{"max_webhooks":-1}}', /pro\.max_webhooks/],
    ['a string limit', '{"pro":{"max_events_per_day":"10"}}', /pro\.max_events_per_day/],
  ])('fails loudly on %s', (_, json, message) => {
    // Act + Assess
    expect(() => parsePlanLimits(json)).toThrow(message);
  });
});

describe('usageDay', () => {
  it('is the UTC date: the day turns at 00:00 UTC, whatever the local zone', () => {
    // Assess
    expect(usageDay(new Date('2025-01-15T23:59:59.999Z'))).toBe('2025-01-15');
    expect(usageDay(new Date('2025-01-16T00:00:00.000Z'))).toBe('2025-01-16');
    expect(usageDay(new Date('2025-01-16T00:30:00.000+01:00'))).toBe('2025-01-15');
  });
});

describe('hasRoom', () => {
  it('admits below the limit, not at it; null is unlimited', () => {
    // Assess
    expect([hasRoom(4, 5), hasRoom(5, 5), hasRoom(6, 5), hasRoom(0, 0), hasRoom(1e9, null)]).toEqual([
      true,
      false,
      false,
      false,
      true,
    ]);
  });
});

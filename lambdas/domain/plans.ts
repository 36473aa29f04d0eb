import { PLANS, type Plan } from './model.js';

/**
 * Plans and their quotas (seed 000, "Availability"): how many endpoints an account may have and how
 * many events it may publish per UTC day. `null` is unlimited. The defaults are the seed's; a
 * deployment overrides any of them (construct prop `planLimits` → env PLAN_LIMITS → RuntimeConfig).
 */

export interface PlanLimit {
  /** Endpoints an account may have at once; null = unlimited. */
  readonly maxWebhooks: number | null;
  /** Events admitted per UTC day; null = unlimited. */
  readonly maxEventsPerDay: number | null;
}

export type PlanLimits = { readonly [P in Plan]: PlanLimit };

/** Per-plan, per-field overrides: what is not named keeps its default. */
export type PlanLimitOverrides = { readonly [P in Plan]?: Partial<PlanLimit> };

/** The plan of an account created without one. */
export const DEFAULT_PLAN: Plan = 'scale';

export const DEFAULT_PLAN_LIMITS: PlanLimits = {
  scale: { maxWebhooks: 20, maxEventsPerDay: 100_000 },
  pro: { maxWebhooks: 50, maxEventsPerDay: 500_000 },
  enterprise: { maxWebhooks: null, maxEventsPerDay: null },
};

const MAX_LIMIT = 1_000_000_000;
const isLimit = (value: unknown): value is number | null =>
  value === null || (Number.isInteger(value) && (value as number) >= 0 && (value as number) <= MAX_LIMIT);

function checkLimit(plan: string, field: string, value: unknown): void {
  if (value !== undefined && !isLimit(value)) {
    throw new Error(
      `Plan limit ${plan}.${field} must be a whole number from 0 to 1e9, or null for unlimited; got ${JSON.stringify(value)}`,
    );
  }
}

/** The defaults (or `base`) with `overrides` applied; throws on a negative or fractional limit. */
export function withPlanLimitOverrides(
  overrides: PlanLimitOverrides | undefined,
  base: PlanLimits = DEFAULT_PLAN_LIMITS,
): PlanLimits {
  const result = {} as { [P in Plan]: PlanLimit };
  for (const plan of PLANS) {
    const override = overrides?.[plan] ?? {};
    checkLimit(plan, 'maxWebhooks', override.maxWebhooks);
    checkLimit(plan, 'maxEventsPerDay', override.maxEventsPerDay);
    result[plan] = {
      maxWebhooks: override.maxWebhooks === undefined ? base[plan].maxWebhooks : override.maxWebhooks,
      maxEventsPerDay:
        override.maxEventsPerDay === undefined ? base[plan].maxEventsPerDay : override.maxEventsPerDay,
    };
  }
  return result;
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** The snake_case JSON fields of one plan in PLAN_LIMITS, and their domain names. */
const JSON_FIELDS = { max_webhooks: 'maxWebhooks', max_events_per_day: 'maxEventsPerDay' } as const;

/**
 * Parses the PLAN_LIMITS environment variable (as the construct writes it:
 * `{"scale":{"max_webhooks":5,"max_events_per_day":1000}}`) over the defaults. Absent or empty = the
 * defaults. Invalid input throws at cold start: a deployment must not silently run with limits it did
 * not ask for. (Hand-written rather than zod: the authorizer's bundle carries this module too.)
 */
export function parsePlanLimits(json: string | undefined): PlanLimits {
  if (json === undefined || json.trim() === '') return DEFAULT_PLAN_LIMITS;
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch {
    throw new Error('PLAN_LIMITS is not valid JSON');
  }
  if (!isObject(raw)) throw new Error('PLAN_LIMITS must be a JSON object keyed by plan');
  const overrides: { [P in Plan]?: Partial<PlanLimit> } = {};
  for (const [plan, entry] of Object.entries(raw)) {
    if (!(PLANS as readonly string[]).includes(plan)) {
      throw new Error(`PLAN_LIMITS names an unknown plan "${plan}" (known: ${PLANS.join(', ')})`);
    }
    if (!isObject(entry)) throw new Error(`PLAN_LIMITS.${plan} must be an object`);
    const override: { -readonly [F in keyof PlanLimit]?: PlanLimit[F] } = {};
    for (const [field, value] of Object.entries(entry)) {
      const name = Object.hasOwn(JSON_FIELDS, field)
        ? JSON_FIELDS[field as keyof typeof JSON_FIELDS]
        : undefined;
      if (!name) throw new Error(`PLAN_LIMITS.${plan} has an unknown field "${field}"`);
      checkLimit(plan, field, value);
      override[name] = value as number | null;
    }
    overrides[plan as Plan] = override;
  }
  return withPlanLimitOverrides(overrides);
}

/** The usage day of a time: its UTC date, `YYYY-MM-DD`. Quotas reset at 00:00 UTC. */
export const usageDay = (date: Date): string => date.toISOString().slice(0, 10);

/** Whether one more unit fits under `limit` when `used` are already taken (null = unlimited). */
export const hasRoom = (used: number, limit: number | null): boolean => limit === null || used < limit;

/** The API form of a plan's limits. */
export const planLimitsResource = (limit: PlanLimit) => ({
  max_webhooks: limit.maxWebhooks,
  max_events_per_day: limit.maxEventsPerDay,
});

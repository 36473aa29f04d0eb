import { DomainError, notFound } from '../domain/errors.js';
import { isOperationalEventType } from '../domain/escalation.js';
import type { Account, Admission, DailyUsage, Plan, WebhookEvent } from '../domain/model.js';
import { DEFAULT_PLAN, DEFAULT_PLAN_LIMITS, hasRoom, type PlanLimit, usageDay } from '../domain/plans.js';
import type { Dependencies } from './dependencies.js';

/**
 * Plans and quotas (seed 000, "Availability"; docs/quotas.md): endpoints per account, checked when
 * one is created; events per UTC day, counted by fan-out, the one place every event passes whether
 * it came through POST /v1/events or straight onto the bus.
 */

export function limitsFor(deps: Pick<Dependencies, 'planLimits'>, plan: Plan): PlanLimit {
  // An account item with a plan this deployment does not know gets the smallest plan's limits.
  return deps.planLimits[plan] ?? deps.planLimits.scale ?? DEFAULT_PLAN_LIMITS.scale;
}

async function accountOf(deps: Dependencies, accountId: string): Promise<Account> {
  const account = await deps.accounts.get(accountId);
  if (!account) throw notFound('Account');
  return account;
}

/** The next 00:00 UTC after `now`: when the daily counters start again. */
const nextUtcMidnight = (now: Date): string =>
  new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toISOString();

/** Creating one more endpoint must stay within the plan; throws plan_limit_exceeded (403) otherwise. */
export async function assertWebhookQuota(deps: Dependencies, accountId: string): Promise<void> {
  const account = await accountOf(deps, accountId);
  const max = limitsFor(deps, account.plan).maxWebhooks;
  if (max === null) return;
  const count = await deps.webhooks.countForAccount(accountId);
  if (!hasRoom(count, max)) {
    throw new DomainError(
      'plan_limit_exceeded',
      `The ${account.plan} plan allows ${max} webhooks and this account has ${count}: delete one or move to a larger plan`,
      { plan: account.plan, max_webhooks: max, webhooks: count },
    );
  }
}

/**
 * POST /v1/events' up-front check: when today's limit is already used up, the event is refused with
 * 429 (and counted as dropped) instead of being accepted and then dropped by fan-out. A cheap read,
 * not the authority: events already on their way are not counted yet, so fan-out decides at the edge.
 */
export async function assertEventQuota(deps: Dependencies, accountId: string): Promise<void> {
  const account = await accountOf(deps, accountId);
  const limit = limitsFor(deps, account.plan).maxEventsPerDay;
  if (limit === null) return;
  const now = deps.clock.now();
  const day = usageDay(now);
  const usage = await deps.usage.get(accountId, day);
  if (hasRoom(usage.events, limit)) return;
  await deps.usage.countDropped(accountId, day);
  throw new DomainError(
    'quota_exceeded',
    `The ${account.plan} plan's daily limit of ${limit} events is reached; events are accepted again from 00:00 UTC`,
    {
      plan: account.plan,
      max_events_per_day: limit,
      events_today: usage.events,
      resets_at: nextUtcMidnight(now),
    },
  );
}

/**
 * Fan-out's quota decision for one event, made once: the decision is stored with the event, and a
 * replayed ingest message finds it and follows it without counting again. The counter is written
 * before the event item, so deliveries are only ever created for an event whose admission is on
 * record. A crash between the two writes makes the replay count the event a second time (an
 * over-count of one, never an event delivered beyond the limit); see docs/quotas.md.
 */
export async function admitEvent(deps: Dependencies, event: WebhookEvent): Promise<Admission> {
  // The service's own notices about an endpoint (endpoint.failing, …) are not the customer's
  // traffic: they are never counted, nor dropped when the day is full.
  if (isOperationalEventType(event.type)) {
    await deps.deliveries.putEvent(event, 'admitted');
    return 'admitted';
  }
  const recorded = await deps.deliveries.getAdmission(event.id);
  if (recorded) return recorded;
  const account = await deps.accounts.get(event.accountId);
  // An account that does not exist has no endpoints; it is counted like a new account (the default plan).
  const limit = limitsFor(deps, account?.plan ?? DEFAULT_PLAN).maxEventsPerDay;
  const admitted = await deps.usage.admitEvent(event.accountId, usageDay(deps.clock.now()), limit);
  const decision: Admission = admitted ? 'admitted' : 'dropped';
  const stored = await deps.deliveries.putEvent(event, decision);
  // Another run of the same message stored its decision first: that one stands.
  return stored.created ? decision : (stored.admission ?? 'admitted');
}

export interface AccountUsage {
  readonly plan: Plan;
  readonly limits: PlanLimit;
  readonly day: string;
  readonly webhooks: number;
  readonly today: DailyUsage;
}

/** GET /v1/usage. */
export async function getUsage(deps: Dependencies, accountId: string): Promise<AccountUsage> {
  const account = await accountOf(deps, accountId);
  const day = usageDay(deps.clock.now());
  const [webhooks, today] = await Promise.all([
    deps.webhooks.countForAccount(accountId),
    deps.usage.get(accountId, day),
  ]);
  return { plan: account.plan, limits: limitsFor(deps, account.plan), day, webhooks, today };
}

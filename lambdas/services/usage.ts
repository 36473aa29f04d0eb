import { DomainError, notFound } from '../domain/errors.js';
import { isOperationalEventType } from '../domain/escalation.js';
import type { Account, Admission, DailyUsage, Plan, WebhookEvent } from '../domain/model.js';
import { DEFAULT_PLAN, DEFAULT_PLAN_LIMITS, hasRoom, type PlanLimit, usageDay } from '../domain/plans.js';
import type { FanOutPage } from '../domain/ports/delivery-stores.js';
import type { WebhookCount } from '../domain/ports/quota-stores.js';
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

async function accountOf(deps: Pick<Dependencies, 'accounts'>, accountId: string): Promise<Account> {
  const account = await deps.accounts.get(accountId);
  if (!account) throw notFound('Account');
  return account;
}

/** The next 00:00 UTC after `now`: when the daily counters start again. */
const nextUtcMidnight = (now: Date): string =>
  new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1)).toISOString();

/**
 * How long the webhook counter must have stood still before a refusal recounts the endpoints: any
 * create that reserved a slot earlier has written its endpoint or died by then (the management API's
 * timeout is far shorter), so a lower count is drift (a crash between two writes), not a create in
 * flight.
 */
export const WEBHOOK_RECOUNT_QUIET_MS = 120_000;

const planLimitExceeded = (plan: Plan, max: number, count: number): DomainError =>
  new DomainError(
    'plan_limit_exceeded',
    `The ${plan} plan allows ${max} webhooks and this account has ${count}: delete one or move to a larger plan`,
    { plan, max_webhooks: max, webhooks: count },
  );

export type WebhookSlotPorts = Pick<
  Dependencies,
  'accounts' | 'webhooks' | 'webhookCounter' | 'planLimits' | 'clock'
>;

/**
 * Takes one of the account's webhook slots before an endpoint is created; throws
 * plan_limit_exceeded (403) when the plan has none left. The slot is one conditional write on the
 * account's counter, so concurrent creates can never go past the limit between them
 * (docs/quotas.md). An account without a counter (created before there was one) gets it from a
 * count of its endpoints first. A refusal from a counter that has not moved for a while recounts,
 * and repairs a counter that drifted high (a crash between a slot and its endpoint).
 * Returns the reservation time: what releaseWebhookSlot needs if the create is given up.
 */
export async function reserveWebhookSlot(deps: WebhookSlotPorts, accountId: string): Promise<string> {
  const account = await accountOf(deps, accountId);
  const max = limitsFor(deps, account.plan).maxWebhooks;
  let recounted = false;
  // A few rounds at most: initialising, a slot given back meanwhile, a repair.
  for (let round = 0; round < 5; round++) {
    const reservedAt = deps.clock.now().toISOString();
    const result = await deps.webhookCounter.reserve(accountId, max, reservedAt);
    if (result.outcome === 'reserved') return reservedAt;
    if (result.outcome === 'no_account') throw notFound('Account');
    if (result.outcome === 'uncounted') {
      const count = await deps.webhooks.countForAccount(accountId);
      await deps.webhookCounter.initialise(accountId, count, deps.clock.now().toISOString());
      continue;
    }
    const { counter } = result;
    if (max === null || counter.count < max) continue; // a slot was given back since the refusal
    if (!recounted && (await repairDrift(deps, accountId, counter))) {
      recounted = true;
      continue;
    }
    throw planLimitExceeded(account.plan, max, counter.count);
  }
  throw new DomainError('conflict', 'The webhooks of this account are changing; try again');
}

/** Recounts a counter that stood still long enough; true when it was lowered to the true count. */
async function repairDrift(
  deps: Pick<Dependencies, 'webhooks' | 'webhookCounter' | 'clock'>,
  accountId: string,
  counter: WebhookCount,
): Promise<boolean> {
  const now = deps.clock.now();
  const movedAt = counter.updatedAt === undefined ? Number.NaN : Date.parse(counter.updatedAt);
  if (now.getTime() - movedAt < WEBHOOK_RECOUNT_QUIET_MS) return false;
  const count = await deps.webhooks.countForAccount(accountId);
  if (count >= counter.count) return false;
  return deps.webhookCounter.repair(accountId, counter, count, deps.clock.now().toISOString());
}

/**
 * Gives a slot back: after an endpoint was deleted (`since` taken before the delete), or when a
 * create that reserved one (`since` = the reservation time) did not write its endpoint.
 */
export async function releaseWebhookSlot(
  deps: Pick<Dependencies, 'webhookCounter' | 'clock'>,
  accountId: string,
  since: string,
): Promise<void> {
  await deps.webhookCounter.release(accountId, since, deps.clock.now().toISOString());
}

export type EventQuotaPorts = Pick<Dependencies, 'accounts' | 'usage' | 'planLimits' | 'clock'>;

/**
 * POST /v1/events' up-front check: when today's limit is already used up, the event is refused with
 * 429 (and counted as dropped) instead of being accepted and then dropped by fan-out. A cheap read,
 * not the authority: events already on their way are not counted yet, so fan-out decides at the edge.
 */
export async function assertEventQuota(deps: EventQuotaPorts, accountId: string): Promise<void> {
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

export type AdmissionPorts = Pick<Dependencies, 'events' | 'accounts' | 'usage' | 'planLimits' | 'clock'>;

/**
 * Fan-out's quota decision for one event, made once: the decision is stored with the event, and a
 * replayed ingest message finds it and follows it without counting again (`replayed`: the event was
 * stored before, so some of its deliveries may have been made). The counter is written
 * before the event, so deliveries are only ever created for an event whose admission is on
 * record. A crash between the two writes makes the replay count the event a second time (an
 * over-count of one, never an event delivered beyond the limit); see docs/quotas.md.
 * The event is stored with its log entry and the endpoints of its first fan-out page (`firstPage`)
 * in one write; when `replayed`, this call wrote nothing and the caller logs that page itself.
 */
export async function admitEvent(
  deps: AdmissionPorts,
  event: WebhookEvent,
  /** Already read by the caller (fan-out checks that it exists): not read again. */
  knownAccount?: Account,
  firstPage?: FanOutPage,
): Promise<{ admission: Admission; replayed: boolean }> {
  // The service's own notices about an endpoint (endpoint.failing, …) are not the customer's
  // traffic: they are never counted, nor dropped when the day is full.
  if (isOperationalEventType(event.type)) {
    const stored = await deps.events.putEvent(event, 'admitted', firstPage);
    return { admission: 'admitted', replayed: !stored.created };
  }
  const recorded = await deps.events.getAdmission(event.accountId, event.id);
  if (recorded) return { admission: recorded, replayed: true };
  const account = knownAccount ?? (await deps.accounts.get(event.accountId));
  // An account that does not exist has no endpoints; it is counted like a new account (the default plan).
  const limit = limitsFor(deps, account?.plan ?? DEFAULT_PLAN).maxEventsPerDay;
  const admitted = await deps.usage.admitEvent(event.accountId, usageDay(deps.clock.now()), limit);
  const decision: Admission = admitted ? 'admitted' : 'dropped';
  const stored = await deps.events.putEvent(event, decision, firstPage);
  // Another run of the same message stored its decision first: that one stands.
  return stored.created
    ? { admission: decision, replayed: false }
    : { admission: stored.admission ?? 'admitted', replayed: true };
}

export interface AccountUsage {
  readonly plan: Plan;
  readonly limits: PlanLimit;
  readonly day: string;
  readonly webhooks: number;
  readonly today: DailyUsage;
}

/** GET /v1/usage. */
export async function getUsage(
  deps: Pick<Dependencies, 'accounts' | 'webhooks' | 'usage' | 'planLimits' | 'clock'>,
  accountId: string,
): Promise<AccountUsage> {
  const account = await accountOf(deps, accountId);
  const day = usageDay(deps.clock.now());
  const [webhooks, today] = await Promise.all([
    deps.webhooks.countForAccount(accountId),
    deps.usage.get(accountId, day),
  ]);
  return { plan: account.plan, limits: limitsFor(deps, account.plan), day, webhooks, today };
}

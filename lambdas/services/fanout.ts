import { deliveryIdFor } from '../domain/ids.js';
import type { Account, Delivery, WebhookEvent } from '../domain/model.js';
import type { FanOutPage } from '../domain/ports/delivery-stores.js';
import type { DeliveryJob } from '../domain/ports/queues.js';
import { parseIngestMessage } from '../messages/ingest-message.js';
import type { Dependencies } from './dependencies.js';
import { admitEvent } from './usage.js';

/**
 * Fan-out: one bus event → one delivery per active subscribed endpoint. The delivery id derives from
 * (event id, endpoint id) and is created with a conditional write, so a replayed ingest message
 * never creates a second delivery. The account's daily event quota is enforced here, before any
 * delivery exists: an event beyond it is dropped whole (docs/quotas.md).
 */

const SUBSCRIPTION_PAGE = 1000;
const WRITE_CONCURRENCY = 25;

async function inChunks<T>(
  items: readonly T[],
  size: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    await Promise.all(items.slice(start, start + size).map(work));
  }
}

/**
 * A replay (ingest message redelivered, or an idempotent re-publish) finds an existing delivery. If
 * no attempt was made and it is old, the first run may have died before sending its job: send it
 * again (the delivery handler drops a duplicate job). A young one's job is most likely still
 * queued, and sending it twice would race two first attempts.
 */
export const REPLAY_REQUEUE_AFTER_MS = 60_000;
const firstJobMayBeLost = (existing: Delivery, now: string): boolean =>
  existing.status === 'pending' &&
  existing.attemptCount === 0 &&
  Date.parse(now) - Date.parse(existing.createdAt) > REPLAY_REQUEUE_AFTER_MS;

export interface FanOutResult {
  readonly deliveries: number;
  readonly duplicateEvent: boolean;
  /** The account's events for today were used up: the event was dropped, nothing was delivered. */
  readonly dropped: boolean;
}

export type IngestOutcome =
  | { readonly kind: 'fanned_out'; readonly event: WebhookEvent; readonly result: FanOutResult }
  | { readonly kind: 'parked'; readonly reason: string };

export type IngestPorts = FanoutPorts & Pick<Dependencies, 'eventTypes' | 'queue'>;

/**
 * One ingest message: parsed, checked as POST /v1/events checks an event (a known type, an account
 * that exists), then fanned out. What fails a check is parked with its reason, never dropped
 * silently; the message is then done.
 */
export async function takeIngestMessage(deps: IngestPorts, body: string): Promise<IngestOutcome> {
  const parsed = parseIngestMessage(body);
  const checked = parsed.ok ? await checkedAgainstCatalog(deps, parsed.event) : { refusal: parsed.reason };
  if ('refusal' in checked || !parsed.ok) {
    const reason = 'refusal' in checked ? checked.refusal : 'unreadable message';
    await deps.queue.park({ kind: 'invalid_event', reason, payload: body });
    return { kind: 'parked', reason };
  }
  return {
    kind: 'fanned_out',
    event: parsed.event,
    result: await fanOut(deps, parsed.event, checked.account),
  };
}

/** The event's type must be known and its account must exist; the account read serves admission too. */
async function checkedAgainstCatalog(
  deps: Pick<Dependencies, 'eventTypes' | 'accounts'>,
  event: WebhookEvent,
): Promise<{ refusal: string } | { account: Account }> {
  const [type, account] = await Promise.all([
    deps.eventTypes.get(event.type),
    deps.accounts.get(event.accountId),
  ]);
  if (!type) return { refusal: `unknown event type: ${event.type}` };
  if (!account) return { refusal: `unknown account: ${event.accountId}` };
  return { account };
}

export type FanoutPorts = Pick<
  Dependencies,
  | 'idempotency'
  | 'events'
  | 'accounts'
  | 'usage'
  | 'planLimits'
  | 'webhooks'
  | 'deliveries'
  | 'eventLog'
  | 'queue'
  | 'clock'
>;

type Subscriptions = readonly { readonly webhookId: string }[];

/**
 * The local runtime's way: each delivery stored pending first (its in-memory queue loses jobs on a
 * restart; the `due` index finds them), then a job for each delivery created now.
 */
async function storePending(
  deps: FanoutPorts,
  event: WebhookEvent,
  active: Subscriptions,
  now: string,
): Promise<DeliveryJob[]> {
  const jobs: DeliveryJob[] = [];
  await inChunks(active, WRITE_CONCURRENCY, async (subscription) => {
    const delivery: Delivery = {
      id: deliveryIdFor(event.id, subscription.webhookId),
      accountId: event.accountId,
      webhookId: subscription.webhookId,
      eventId: event.id,
      eventType: event.type,
      status: 'pending',
      attemptCount: 0,
      attempts: [],
      nextAttemptAt: now,
      createdAt: now,
      updatedAt: now,
    };
    const result = await deps.deliveries.createDelivery(delivery);
    if (result.created || firstJobMayBeLost(result.existing, now)) {
      jobs.push({ deliveryId: delivery.id, attempt: 1, dueAt: now });
    }
  });
  return jobs;
}

/** How long a replayed fan-out waits before its checked jobs run: the first run's jobs go first. */
export const REPLAY_CHECK_DELAY_SECONDS = 60;

/**
 * AWS's way (docs/cost.md, "one write per outcome"): nothing is stored; each job names its account
 * and the first outcome creates the delivery. A replayed event's jobs are checked instead: the
 * deliveries already stored are left alone (a pending one fanned out before this version, old and
 * unattempted, gets its job again), the others get a job that reads before attempting.
 */
async function unstoredJobs(
  deps: FanoutPorts,
  event: WebhookEvent,
  active: Subscriptions,
  now: string,
  replayed: boolean,
): Promise<{ fresh: DeliveryJob[]; checked: DeliveryJob[] }> {
  const ids = active.map((subscription) => deliveryIdFor(event.id, subscription.webhookId));
  const job = (deliveryId: string): DeliveryJob => ({
    deliveryId,
    attempt: 1,
    dueAt: now,
    accountId: event.accountId,
  });
  if (!replayed) return { fresh: ids.map(job), checked: [] };
  const stored = await deps.deliveries.getDeliveries(ids);
  const fresh: DeliveryJob[] = [];
  const checked: DeliveryJob[] = [];
  for (const deliveryId of ids) {
    const existing = stored.get(deliveryId);
    if (!existing) checked.push({ ...job(deliveryId), check: true });
    else if (firstJobMayBeLost(existing, now)) fresh.push({ deliveryId, attempt: 1, dueAt: now });
  }
  return { fresh, checked };
}

export async function fanOut(
  deps: FanoutPorts,
  event: WebhookEvent,
  account?: Account,
): Promise<FanOutResult> {
  // Whoever published, the key is claimed here too: POST /v1/events claims it after its PutEvents,
  // so of two publishes under one key only the holder's event goes on. A replay of the same bus
  // event carries the same id and passes.
  if (event.idempotencyKey) {
    const expiresAt = new Date(Date.parse(event.timestamp) + 24 * 3600 * 1000).toISOString();
    const holder = await deps.idempotency.claim(event.accountId, event.idempotencyKey, event.id, expiresAt);
    if (holder !== undefined && holder !== event.id)
      return { deliveries: 0, duplicateEvent: true, dropped: false };
  }
  const subscriptionPage = (cursor: string | undefined) =>
    deps.webhooks.findSubscriptions(event.accountId, event.type, { limit: SUBSCRIPTION_PAGE, cursor });
  const fanOutPageOf = (index: number, page: Awaited<ReturnType<typeof subscriptionPage>>): FanOutPage => ({
    index,
    webhookIds: page.items
      .filter((subscription) => subscription.status === 'active')
      .map((subscription) => subscription.webhookId),
    more: page.nextCursor !== undefined,
  });
  // Read before the admission: the event is stored with its log entry and this page's endpoints in
  // one write (docs/storage.md, "Event log"). A dropped event reads it for nothing (rare: POST
  // /v1/events refuses once the day is full).
  let page = await subscriptionPage(undefined);
  // Counts the event and stores it with the decision (a replay finds the decision and follows it).
  const { admission, replayed } = await admitEvent(deps, event, account, fanOutPageOf(0, page));
  if (admission === 'dropped') {
    // In the log too, marked: it tells the account why nothing was delivered. Stored so with the
    // decision; a replay logs it again (an event stored before issue 13 may have no entry).
    if (replayed) {
      await deps.eventLog.recordFanOut(event, { index: 0, webhookIds: [], more: false }, { dropped: true });
    }
    return { deliveries: 0, duplicateEvent: false, dropped: true };
  }
  const now = deps.clock.now().toISOString();
  let deliveries = 0;
  for (let index = 0; ; index++) {
    const jobs: DeliveryJob[] = [];
    const active = page.items.filter((subscription) => subscription.status === 'active');
    // Before the page's deliveries: a delivery is never missing from its event's entry. The first
    // page went with the event, unless this run replays (then it wrote nothing).
    if (index > 0 || replayed) await deps.eventLog.recordFanOut(event, fanOutPageOf(index, page));
    if (deps.deliveries.pendingBeforeFirstAttempt) {
      jobs.push(...(await storePending(deps, event, active, now)));
    } else {
      const { fresh, checked } = await unstoredJobs(deps, event, active, now, replayed);
      jobs.push(...fresh);
      // Maybe queued already by the run this one replays: sent later, and read before attempting.
      if (checked.length > 0) await deps.queue.enqueue(checked, REPLAY_CHECK_DELAY_SECONDS);
      deliveries += checked.length;
    }
    await deps.queue.enqueue(jobs);
    deliveries += jobs.length;
    if (page.nextCursor === undefined) break;
    page = await subscriptionPage(page.nextCursor);
  }
  return { deliveries, duplicateEvent: false, dropped: false };
}

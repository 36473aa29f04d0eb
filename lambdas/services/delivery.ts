import { DomainError } from '../domain/errors.js';
import { parseDeliveryId } from '../domain/ids.js';
import type { Delivery, DeliveryAttempt, FailureState, Webhook, WebhookEvent } from '../domain/model.js';
import type { AttemptOutcome } from '../domain/outcome.js';
import { boundAttempt, classifyAttempt } from '../domain/outcome.js';
import type { OutboundResponse } from '../domain/ports/outbound-http.js';
import type { DeliveryJob } from '../domain/ports/queues.js';
import { nextHopDelaySeconds, retryDelaySeconds } from '../domain/retry-policy.js';
import { buildDeliveryRequest, eventPayload } from '../domain/signing.js';
import type { Dependencies } from './dependencies.js';
import { type EscalationOutcome, escalateAfterFailure, type FailureCountPorts } from './escalation.js';
import { activeSecrets } from './signing-secrets.js';

/**
 * One delivery attempt: sign, POST, record, then decide (delivered, retry later, failed, endpoint
 * gone). Retries are re-sent to the delivery queue with a delay; delays beyond SQS's 15 minutes are
 * chained hops carrying the due time.
 */

export const USER_AGENT = 'serverless-webhooks/0.1 (+https://github.com/serverless-webhooks)';

export type JobResult =
  | { kind: 'deferred' }
  | { kind: 'skipped'; reason: string }
  | { kind: 'ended'; reason: string; webhookId: string; test?: true }
  | {
      kind: 'attempted';
      webhookId: string;
      /** A test send's delivery: counted apart in the stats. */
      test?: true;
      outcome: AttemptOutcome['kind'];
      final: boolean;
      responseTimeMs: number;
      /** What a failed attempt did to the endpoint's escalation (docs/escalation.md). */
      escalation?: EscalationOutcome;
      escalationError?: string;
    };

function attemptRecord(
  attempt: number,
  startedAt: Date,
  finishedAt: Date,
  response: OutboundResponse,
): DeliveryAttempt {
  // Bounded here (4 KB of body, 1 KB of error text) so that what is stored is what is reported.
  return boundAttempt({
    attempt,
    startedAt: startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    statusCode: response.statusCode,
    responseTimeMs: Math.round(response.responseTimeMs),
    responseBody: response.bodySnippet,
    error: response.error,
  });
}

export type SendPorts = Pick<Dependencies, 'sender' | 'cipher' | 'clock'>;

/** Signs and sends one attempt of `event` to `webhook`, waiting up to its timeout (or `timeoutMs`). */
export async function sendAttempt(
  deps: SendPorts,
  webhook: Webhook,
  event: WebhookEvent,
  attempt: number,
  timeoutMs: number = webhook.timeoutSeconds * 1000,
): Promise<{ record: DeliveryAttempt; outcome: AttemptOutcome }> {
  const startedAt = deps.clock.now();
  const request = buildDeliveryRequest({
    messageId: event.id,
    eventType: event.type,
    timestampSeconds: Math.floor(startedAt.getTime() / 1000),
    payload: eventPayload(event),
    secrets: await activeSecrets(deps, webhook),
    attempt,
    customHeaders: webhook.headers,
    userAgent: USER_AGENT,
  });
  const response = await deps.sender.send({
    url: webhook.url,
    headers: request.headers,
    body: request.body,
    timeoutMs,
  });
  const finishedAt = deps.clock.now();
  return {
    record: attemptRecord(attempt, startedAt, finishedAt, response),
    outcome: classifyAttempt(response, finishedAt.getTime()),
  };
}

const endedReason = (webhook: Webhook | undefined): string | undefined => {
  if (!webhook) return 'endpoint_deleted';
  if (webhook.status === 'paused') return 'endpoint_paused';
  if (webhook.status === 'disabled') return 'endpoint_disabled';
  return undefined;
};

/**
 * Counts a failure toward escalation, starting the endpoint's escalation when it crosses its
 * threshold; a webhook deleted meanwhile has nothing left to count.
 */
async function countFailure(
  deps: FailureCountPorts,
  input: { webhook: Webhook; delivery: Delivery; event: WebhookEvent; record: DeliveryAttempt },
): Promise<{ escalation?: EscalationOutcome; escalationError?: string }> {
  try {
    const result = await escalateAfterFailure(deps, {
      webhook: input.webhook,
      event: input.event,
      deliveryId: input.delivery.id,
      eventType: input.delivery.eventType,
      attempt: input.record,
    });
    return { escalation: result.outcome, ...(result.error ? { escalationError: result.error } : {}) };
  } catch (error) {
    if (!(error instanceof DomainError && error.code === 'not_found')) throw error;
    return {};
  }
}

async function disableGoneEndpoint(
  deps: Pick<Dependencies, 'webhooks' | 'clock'>,
  webhook: Webhook,
): Promise<void> {
  const current = await deps.webhooks.get(webhook.accountId, webhook.id);
  if (!current || current.status === 'disabled') return;
  await deps.webhooks.update(
    {
      ...current,
      status: 'disabled',
      disabledReason: 'The endpoint answered 410 Gone',
      updatedAt: deps.clock.now().toISOString(),
      version: current.version + 1,
    },
    current.version,
  );
}

type Endpoint = { webhook: Webhook; failures: FailureState };

/** What a job reads before its attempt: one read each, or all of a batch's at once (batchReads). */
export interface JobReads {
  delivery(deliveryId: string): Promise<Delivery | undefined>;
  endpoint(accountId: string, webhookId: string): Promise<Endpoint | undefined>;
  event(accountId: string, eventId: string): Promise<WebhookEvent | undefined>;
}

type JobReadPorts = Pick<Dependencies, 'deliveries' | 'events' | 'webhooks'>;

export const singleReads = (deps: JobReadPorts): JobReads => ({
  delivery: (deliveryId) => deps.deliveries.getDelivery(deliveryId),
  endpoint: (accountId, webhookId) => deps.webhooks.getWithFailureState(accountId, webhookId),
  event: (accountId, eventId) => deps.events.getEvent(accountId, eventId),
});

/**
 * A job reads its delivery first unless it is a first attempt whose delivery fan-out did not store
 * (docs/cost.md): then nothing is stored yet, unless the job is marked for a check (a replayed
 * fan-out, or SQS handing the job over again after a crash).
 */
export const readsDeliveryFirst = (job: DeliveryJob): boolean =>
  job.accountId === undefined || job.check === true || job.attempt > 1;

/** Where a job's first outcome goes when its delivery is not stored: its account, event and endpoint. */
const unstoredTarget = (job: DeliveryJob) => {
  const ids = parseDeliveryId(job.deliveryId);
  return job.accountId !== undefined && job.attempt === 1 && ids
    ? { accountId: job.accountId, ...ids }
    : undefined;
};

/**
 * The reads of a whole batch of due jobs in two or three requests instead of three per job: the
 * deliveries that must be read (strongly consistent), then the endpoints (eventually consistent:
 * a pause or a rotation reaches the delivery path within a second) and events together. Anything
 * the batch did not ask for is read singly; a failed batch read falls back to single reads altogether.
 */
export async function batchReads(
  deps: JobReadPorts & Pick<Dependencies, 'clock'>,
  jobs: readonly DeliveryJob[],
): Promise<JobReads> {
  const single = singleReads(deps);
  const now = deps.clock.now().getTime();
  const due = jobs.filter((job) => nextHopDelaySeconds(Date.parse(job.dueAt), now) === 0);
  if (due.length < 2) return single;
  try {
    const read = due.filter(readsDeliveryFirst);
    const deliveries =
      read.length > 0 ? await deps.deliveries.getDeliveries(read.map((job) => job.deliveryId)) : new Map();
    const targets = [
      ...[...deliveries.values()].filter((delivery) => delivery.status === 'pending'),
      ...due.flatMap((job) => {
        const target = deliveries.has(job.deliveryId) ? undefined : unstoredTarget(job);
        return target ? [target] : [];
      }),
    ];
    const [endpoints, events] = await Promise.all([
      deps.webhooks.getManyWithFailureState(
        targets.map(({ accountId, webhookId }) => ({ accountId, webhookId })),
      ),
      deps.events.getEvents(targets.map(({ accountId, eventId }) => ({ accountId, eventId }))),
    ]);
    const askedDeliveries = new Set(read.map((job) => job.deliveryId));
    const askedEndpoints = new Set(targets.map((target) => target.webhookId));
    const askedEvents = new Set(targets.map((target) => target.eventId));
    return {
      delivery: async (id) => (askedDeliveries.has(id) ? deliveries.get(id) : single.delivery(id)),
      endpoint: async (accountId, webhookId) => {
        if (!askedEndpoints.has(webhookId)) return single.endpoint(accountId, webhookId);
        const found = endpoints.get(webhookId);
        // Ids are unique across accounts; the account is checked all the same.
        return found?.webhook.accountId === accountId ? found : undefined;
      },
      event: async (accountId, id) => {
        if (!askedEvents.has(id)) return single.event(accountId, id);
        const found = events.get(id);
        return found?.accountId === accountId ? found : undefined;
      },
    };
  } catch {
    return single;
  }
}

export type DeliveryPorts = Pick<
  Dependencies,
  | 'deliveries'
  | 'events'
  | 'webhooks'
  | 'endpointHealth'
  | 'queue'
  | 'sender'
  | 'cipher'
  | 'escalation'
  | 'escalationSettings'
  | 'clock'
>;

/** A first attempt's delivery as it will be stored: nothing of it is stored yet. */
function unstoredDelivery(
  job: DeliveryJob,
  target: { accountId: string; eventId: string; webhookId: string },
): Delivery {
  return {
    id: job.deliveryId,
    accountId: target.accountId,
    webhookId: target.webhookId,
    eventId: target.eventId,
    eventType: '',
    status: 'pending',
    attemptCount: 0,
    attempts: [],
    nextAttemptAt: job.dueAt,
    // Fan-out's time, which the job carries: when the delivery was made.
    createdAt: job.dueAt,
    updatedAt: job.dueAt,
  };
}

/** The job's delivery: read when it may be stored, made up when fan-out stored none; or why to skip. */
async function deliveryOfJob(
  job: DeliveryJob,
  reads: JobReads,
): Promise<{ delivery: Delivery; stored: boolean } | { skipped: string }> {
  if (!readsDeliveryFirst(job)) {
    const target = unstoredTarget(job);
    return target ? { delivery: unstoredDelivery(job, target), stored: false } : { skipped: 'invalid job' };
  }
  const delivery = await reads.delivery(job.deliveryId);
  if (!delivery) {
    // A checked first attempt: not stored means not attempted yet.
    const target = unstoredTarget(job);
    return target
      ? { delivery: unstoredDelivery(job, target), stored: false }
      : { skipped: 'delivery not found' };
  }
  // A duplicate or stale job: this attempt was already made, or the delivery is final.
  if (delivery.status !== 'pending' || delivery.attemptCount >= job.attempt) {
    return { skipped: 'already processed' };
  }
  return { delivery, stored: true };
}

export async function processDeliveryJob(
  deps: DeliveryPorts,
  job: DeliveryJob,
  random: () => number = Math.random,
  reads: JobReads = singleReads(deps),
): Promise<JobResult> {
  const now = deps.clock.now();
  const hop = nextHopDelaySeconds(Date.parse(job.dueAt), now.getTime());
  if (hop > 0) {
    await deps.queue.enqueue([job], hop);
    return { kind: 'deferred' };
  }
  const found = await deliveryOfJob(job, reads);
  if ('skipped' in found) return { kind: 'skipped', reason: found.skipped };
  const { stored } = found;
  let { delivery } = found;
  const ended = (reason: string): JobResult => ({
    kind: 'ended',
    reason,
    webhookId: delivery.webhookId,
    ...(delivery.test ? { test: true as const } : {}),
  });
  const current = await reads.endpoint(delivery.accountId, delivery.webhookId);
  const webhook = current?.webhook;
  const endedBy = endedReason(webhook);
  if (endedBy || !webhook || !current) {
    const reason = endedBy ?? 'endpoint_deleted';
    if (stored) await deps.deliveries.markFailed(delivery.id, reason);
    // A deleted endpoint's history is being purged: nothing is stored for it. A paused or disabled
    // one keeps the record of what it was not sent.
    else if (reason !== 'endpoint_deleted') await recordUnattempted(deps, reads, delivery, reason);
    return ended(reason);
  }
  const event = await reads.event(delivery.accountId, delivery.eventId);
  // Only ever an event of the delivery's own account: another account's is as good as absent.
  if (!event || event.accountId !== delivery.accountId) {
    // Not stored and no event (purged with its account): nothing to store either.
    if (stored) await deps.deliveries.markFailed(delivery.id, 'event_expired');
    return ended('event_expired');
  }
  if (!stored) delivery = { ...delivery, eventType: event.type };
  const attempt = delivery.attemptCount + 1;
  const { record, outcome } = await sendAttempt(deps, webhook, event, attempt);
  const failing = current.failures.consecutiveFailures > 0 || current.failures.episodeState !== 'closed';
  return settleAttempt(deps, {
    delivery,
    stored,
    webhook,
    failing,
    event,
    attempt,
    record,
    outcome,
    random,
  });
}

/** A delivery fan-out did not store, ended before its first attempt (its endpoint paused or disabled). */
async function recordUnattempted(
  deps: DeliveryPorts,
  reads: JobReads,
  delivery: Delivery,
  failureReason: string,
): Promise<void> {
  const event = await reads.event(delivery.accountId, delivery.eventId);
  if (!event || event.accountId !== delivery.accountId) return;
  const now = deps.clock.now().toISOString();
  const { nextAttemptAt: _due, ...rest } = delivery;
  await deps.deliveries.recordFirstOutcome({
    ...rest,
    eventType: event.type,
    status: 'failed',
    failureReason,
    updatedAt: now,
  });
}

/** What an attempt leaves to settle: the delivery, its endpoint and event, and how the attempt went. */
interface Attempted {
  readonly delivery: Delivery;
  /** The delivery is stored (false: fan-out stored none, and this outcome creates it). */
  readonly stored: boolean;
  readonly webhook: Webhook;
  /** The endpoint had a failure streak or an open episode when the job read it. */
  readonly failing: boolean;
  readonly event: WebhookEvent;
  readonly attempt: number;
  readonly record: DeliveryAttempt;
  readonly outcome: AttemptOutcome;
  readonly random: () => number;
}

/** Another run of the same job recorded this attempt first: it settles it, this one does nothing. */
const RECORDED_CONCURRENTLY: JobResult = { kind: 'skipped', reason: 'attempt recorded concurrently' };

const attemptedResult = (
  attempted: Attempted,
  outcome: AttemptOutcome['kind'],
  final: boolean,
): Extract<JobResult, { kind: 'attempted' }> => ({
  kind: 'attempted',
  webhookId: attempted.webhook.id,
  responseTimeMs: attempted.record.responseTimeMs,
  outcome,
  final,
  ...(attempted.delivery.test ? { test: true as const } : {}),
});

/** Records the attempt and does what its outcome asks, one function per outcome. */
function settleAttempt(deps: DeliveryPorts, attempted: Attempted): Promise<JobResult> {
  const { outcome } = attempted;
  if (outcome.kind === 'delivered') return settleDelivered(deps, attempted);
  if (outcome.kind === 'gone') return settleGone(deps, attempted);
  if (outcome.kind === 'failed') return settleRejected(deps, attempted);
  const delaySeconds = retryDelaySeconds(attempted.webhook.retryPolicy, attempted.attempt, {
    random: attempted.random,
    retryAfterSeconds: outcome.retryAfterSeconds,
  });
  return delaySeconds === undefined
    ? settleExhausted(deps, attempted)
    : scheduleRetry(deps, attempted, delaySeconds);
}

type NextState = { status: Delivery['status']; nextAttemptAt?: string; failureReason?: string };

/**
 * Records the attempt and the delivery's next state: appended to the stored delivery, or, for a
 * first attempt fan-out did not store, the delivery created with it (one write either way). False
 * when another run of the same job recorded this attempt first.
 */
function recordOutcome(deps: DeliveryPorts, attempted: Attempted, next: NextState): Promise<boolean> {
  const { delivery, record } = attempted;
  if (attempted.stored) return deps.deliveries.recordAttempt(delivery.id, record, next);
  const { nextAttemptAt: _due, failureReason: _reason, ...rest } = delivery;
  return deps.deliveries.recordFirstOutcome({
    ...rest,
    status: next.status,
    attemptCount: record.attempt,
    attempts: [record],
    ...(record.statusCode !== undefined ? { lastStatusCode: record.statusCode } : {}),
    lastResponseTimeMs: record.responseTimeMs,
    ...(next.status === 'pending' && next.nextAttemptAt ? { nextAttemptAt: next.nextAttemptAt } : {}),
    ...(next.failureReason !== undefined ? { failureReason: next.failureReason } : {}),
    updatedAt: deps.clock.now().toISOString(),
  });
}

/** Ends the delivery failed with this attempt; false when another run recorded the attempt first. */
const recordFinalFailure = (deps: DeliveryPorts, attempted: Attempted, failureReason: string) =>
  recordOutcome(deps, attempted, { status: 'failed', failureReason });

/** A 2xx: delivered. */
async function settleDelivered(deps: DeliveryPorts, attempted: Attempted): Promise<JobResult> {
  const { webhook, record } = attempted;
  if (!(await recordOutcome(deps, attempted, { status: 'succeeded' }))) {
    return RECORDED_CONCURRENTLY;
  }
  // Most 2xx land on a clean endpoint: skipping the reset saves a write. A failure counted
  // concurrently after our read stays counted until the next 2xx; the streak is still real.
  // An escalated episode is not closed here: it closes once the endpoint stayed healthy for the
  // cool-down (docs/escalation.md), so a flapping endpoint does not alert again and again.
  if (attempted.failing) {
    await deps.endpointHealth.recordSuccess(webhook.accountId, webhook.id, record.finishedAt);
  }
  return attemptedResult(attempted, 'delivered', true);
}

/**
 * A 410: the delivery fails and the endpoint is disabled. Nothing to escalate (and no "failing"
 * alert to send): the endpoint is disabled already.
 */
async function settleGone(deps: DeliveryPorts, attempted: Attempted): Promise<JobResult> {
  if (!(await recordFinalFailure(deps, attempted, 'endpoint_gone'))) return RECORDED_CONCURRENTLY;
  await disableGoneEndpoint(deps, attempted.webhook);
  return attemptedResult(attempted, 'gone', true);
}

/** A final failure (a 4xx other than those retried, a 3xx): the delivery fails, and it counts toward escalation. */
async function settleRejected(deps: DeliveryPorts, attempted: Attempted): Promise<JobResult> {
  if (!(await recordFinalFailure(deps, attempted, 'rejected'))) return RECORDED_CONCURRENTLY;
  return { ...attemptedResult(attempted, 'failed', true), ...(await countFailure(deps, attempted)) };
}

/**
 * A failure worth retrying, but no retry is left: the delivery fails, is parked for operators, and
 * counts toward escalation.
 */
async function settleExhausted(deps: DeliveryPorts, attempted: Attempted): Promise<JobResult> {
  const { delivery, webhook, attempt, record } = attempted;
  if (!(await recordFinalFailure(deps, attempted, 'exhausted'))) return RECORDED_CONCURRENTLY;
  await deps.queue.park({
    kind: 'exhausted_delivery',
    reason: `no success after ${attempt} attempts`,
    payload: {
      deliveryId: delivery.id,
      webhookId: webhook.id,
      eventId: delivery.eventId,
      lastAttempt: record,
    },
  });
  return { ...attemptedResult(attempted, 'retry', true), ...(await countFailure(deps, attempted)) };
}

/** A failure worth retrying, with a retry left: the next attempt is scheduled, and it counts toward escalation. */
async function scheduleRetry(
  deps: DeliveryPorts,
  attempted: Attempted,
  delaySeconds: number,
): Promise<JobResult> {
  const { delivery, attempt, record } = attempted;
  const dueAt = new Date(Date.parse(record.finishedAt) + delaySeconds * 1000).toISOString();
  // Record first (this puts the delivery in the reconciler's due index), then send the job: a crash
  // in between costs a delay, never the delivery.
  if (!(await recordOutcome(deps, attempted, { status: 'pending', nextAttemptAt: dueAt }))) {
    return RECORDED_CONCURRENTLY;
  }
  await deps.queue.enqueue(
    [{ deliveryId: delivery.id, attempt: attempt + 1, dueAt }],
    nextHopDelaySeconds(Date.parse(dueAt), deps.clock.now().getTime()),
  );
  return { ...attemptedResult(attempted, 'retry', false), ...(await countFailure(deps, attempted)) };
}

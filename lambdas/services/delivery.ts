import { DomainError } from '../domain/errors.js';
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
  event(eventId: string): Promise<WebhookEvent | undefined>;
}

type JobReadPorts = Pick<Dependencies, 'deliveries' | 'events' | 'webhooks'>;

export const singleReads = (deps: JobReadPorts): JobReads => ({
  delivery: (deliveryId) => deps.deliveries.getDelivery(deliveryId),
  endpoint: (accountId, webhookId) => deps.webhooks.getWithFailureState(accountId, webhookId),
  event: (eventId) => deps.events.getEvent(eventId),
});

/**
 * The reads of a whole batch of due jobs in three requests instead of three per job: the
 * deliveries (strongly consistent), then their endpoints and events together. Anything the batch
 * did not ask for is read singly; a failed batch read falls back to single reads altogether.
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
    const deliveries = await deps.deliveries.getDeliveries(due.map((job) => job.deliveryId));
    const pending = [...deliveries.values()].filter((delivery) => delivery.status === 'pending');
    const [endpoints, events] = await Promise.all([
      deps.webhooks.getManyWithFailureState(
        pending.map(({ accountId, webhookId }) => ({ accountId, webhookId })),
      ),
      deps.events.getEvents(pending.map((delivery) => delivery.eventId)),
    ]);
    const askedDeliveries = new Set(due.map((job) => job.deliveryId));
    const askedEndpoints = new Set(pending.map((delivery) => delivery.webhookId));
    const askedEvents = new Set(pending.map((delivery) => delivery.eventId));
    return {
      delivery: async (id) => (askedDeliveries.has(id) ? deliveries.get(id) : single.delivery(id)),
      endpoint: async (accountId, webhookId) => {
        if (!askedEndpoints.has(webhookId)) return single.endpoint(accountId, webhookId);
        const found = endpoints.get(webhookId);
        // Ids are unique across accounts; the account is checked all the same.
        return found?.webhook.accountId === accountId ? found : undefined;
      },
      event: async (id) => (askedEvents.has(id) ? events.get(id) : single.event(id)),
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
  const delivery = await reads.delivery(job.deliveryId);
  if (!delivery) return { kind: 'skipped', reason: 'delivery not found' };
  // A duplicate or stale job: this attempt was already made, or the delivery is final.
  if (delivery.status !== 'pending' || delivery.attemptCount >= job.attempt) {
    return { kind: 'skipped', reason: 'already processed' };
  }
  const current = await reads.endpoint(delivery.accountId, delivery.webhookId);
  const webhook = current?.webhook;
  const ended = endedReason(webhook);
  if (ended || !webhook || !current) {
    await deps.deliveries.markFailed(delivery.id, ended ?? 'endpoint_deleted');
    return {
      kind: 'ended',
      reason: ended ?? 'endpoint_deleted',
      webhookId: delivery.webhookId,
      ...(delivery.test ? { test: true as const } : {}),
    };
  }
  const event = await reads.event(delivery.eventId);
  // Only ever an event of the delivery's own account: another account's is as good as absent.
  if (!event || event.accountId !== delivery.accountId) {
    await deps.deliveries.markFailed(delivery.id, 'event_expired');
    return {
      kind: 'ended',
      reason: 'event_expired',
      webhookId: delivery.webhookId,
      ...(delivery.test ? { test: true as const } : {}),
    };
  }
  const attempt = delivery.attemptCount + 1;
  const { record, outcome } = await sendAttempt(deps, webhook, event, attempt);
  const failing = current.failures.consecutiveFailures > 0 || current.failures.episodeState !== 'closed';
  return settleAttempt(deps, { delivery, webhook, failing, event, attempt, record, outcome, random });
}

/** What an attempt leaves to settle: the delivery, its endpoint and event, and how the attempt went. */
interface Attempted {
  readonly delivery: Delivery;
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

/** Ends the delivery failed with this attempt; false when another run recorded the attempt first. */
const recordFinalFailure = (deps: DeliveryPorts, attempted: Attempted, failureReason: string) =>
  deps.deliveries.recordAttempt(attempted.delivery.id, attempted.record, { status: 'failed', failureReason });

/** A 2xx: delivered. */
async function settleDelivered(deps: DeliveryPorts, attempted: Attempted): Promise<JobResult> {
  const { delivery, webhook, record } = attempted;
  if (!(await deps.deliveries.recordAttempt(delivery.id, record, { status: 'succeeded' }))) {
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
  if (
    !(await deps.deliveries.recordAttempt(delivery.id, record, { status: 'pending', nextAttemptAt: dueAt }))
  ) {
    return RECORDED_CONCURRENTLY;
  }
  await deps.queue.enqueue(
    [{ deliveryId: delivery.id, attempt: attempt + 1, dueAt }],
    nextHopDelaySeconds(Date.parse(dueAt), deps.clock.now().getTime()),
  );
  return { ...attemptedResult(attempted, 'retry', false), ...(await countFailure(deps, attempted)) };
}

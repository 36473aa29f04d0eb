/**
 * Ports: what the use cases need from the outside world. Adapters in lambdas/adapters implement
 * them against AWS (DynamoDB, SQS, EventBridge, Secrets Manager, SES, SNS, Step Functions) or their
 * local twins; lambdas/composition.ts wires one set. Nothing here imports an SDK.
 */
import type {
  Account,
  ApiKeyRecord,
  Delivery,
  DeliveryAttempt,
  EventType,
  Page,
  Subscription,
  Webhook,
  WebhookEvent,
  WebhookStats,
} from './model.js';

export interface PageRequest {
  readonly limit: number;
  readonly cursor?: string;
}

export interface AccountRepository {
  /** Throws DomainError('conflict') when the id exists. */
  create(account: Account): Promise<void>;
  get(id: string): Promise<Account | undefined>;
}

export interface ApiKeyRepository {
  create(key: ApiKeyRecord): Promise<void>;
  findByHash(keyHash: string): Promise<ApiKeyRecord | undefined>;
}

export interface EventTypeRepository {
  put(eventType: EventType): Promise<void>;
  get(name: string): Promise<EventType | undefined>;
  list(): Promise<EventType[]>;
}

export interface WebhookRepository {
  /** Writes the endpoint and its subscription index entries. */
  create(webhook: Webhook): Promise<void>;
  get(accountId: string, webhookId: string): Promise<Webhook | undefined>;
  /** Throws DomainError('validation_error') for a cursor that is malformed or not this account's. */
  list(accountId: string, page: PageRequest): Promise<Page<Webhook>>;
  countForAccount(accountId: string): Promise<number>;
  /**
   * Replaces the configuration of an endpoint whose stored version is `expectedVersion` (stored as
   * expectedVersion + 1) and re-syncs its subscription entries. Throws DomainError('conflict') when
   * the version moved, DomainError('not_found') when it is gone.
   */
  update(webhook: Webhook, expectedVersion: number): Promise<void>;
  /** Removes the endpoint and its subscription entries; false when it did not exist. */
  delete(accountId: string, webhookId: string): Promise<boolean>;
  /** The account's endpoints subscribed to `eventType` or to every type, any status. */
  findSubscriptions(accountId: string, eventType: string, page: PageRequest): Promise<Page<Subscription>>;
  /** Counts a failed attempt; never touches configuration fields. */
  recordFailure(accountId: string, webhookId: string): Promise<{ consecutiveFailures: number }>;
  /** Ends a failing streak (a 2xx, or re-enabling). */
  resetFailures(accountId: string, webhookId: string): Promise<void>;
}

/** Result of creating a delivery record: created now, or it existed (a replayed fan-out). */
export type CreateDeliveryResult = { created: true } | { created: false; existing: Delivery };

export interface DeliveryRepository {
  /** Stores the payload once per event. Idempotent. */
  putEvent(event: WebhookEvent): Promise<void>;
  getEvent(eventId: string): Promise<WebhookEvent | undefined>;
  /** Conditional create keyed by the delivery id, so a replayed fan-out never creates twice. */
  createDelivery(delivery: Delivery): Promise<CreateDeliveryResult>;
  getDelivery(deliveryId: string): Promise<Delivery | undefined>;
  /**
   * Appends an attempt and moves status/next attempt, only if the stored attempt count is still
   * `attempt.attempt - 1` (a duplicate job never records twice). Returns false when it was not.
   */
  recordAttempt(
    deliveryId: string,
    attempt: DeliveryAttempt,
    next: { status: Delivery['status']; nextAttemptAt?: string; failureReason?: string },
  ): Promise<boolean>;
  /** Ends a delivery without an HTTP attempt (endpoint paused/disabled/deleted). */
  markFailed(deliveryId: string, failureReason: string): Promise<void>;
  /** Newest first. */
  listDeliveries(
    accountId: string,
    webhookId: string,
    filter: { status?: Delivery['status'] },
    page: PageRequest,
  ): Promise<Page<Delivery>>;
  /** Re-opens a failed delivery for another round of attempts (manual retry). */
  reopen(deliveryId: string, nextAttemptAt: string): Promise<boolean>;
  /** Pending deliveries whose next attempt was due before `dueBefore` (the reconciler's query). */
  findOverdue(dueBefore: string, limit: number): Promise<Delivery[]>;
}

export interface IdempotencyRepository {
  /**
   * Claims `key` for `eventId` for 24 h. Returns the event id already holding an unexpired claim,
   * or undefined when this call claimed it.
   */
  claim(accountId: string, key: string, eventId: string, expiresAt: string): Promise<string | undefined>;
}

export interface StatsRepository {
  /** Adds outcomes for one endpoint in one write (several deliveries of a batch at once). */
  add(
    webhookId: string,
    hour: string,
    delta: { successful: number; failed: number; responseTimeMsTotal: number; timed: number },
  ): Promise<void>;
  get(webhookId: string): Promise<WebhookStats>;
}

/** One delivery job on the delivery queue. */
export interface DeliveryJob {
  readonly deliveryId: string;
  /** The attempt this job makes (1-based). */
  readonly attempt: number;
  /** ISO 8601; a job that arrives early is re-sent with the remaining delay (chained hops). */
  readonly dueAt: string;
}

export interface ParkedRecord {
  readonly kind: 'exhausted_delivery' | 'invalid_event' | 'invalid_job';
  readonly reason: string;
  readonly payload: unknown;
}

export interface DeliveryQueue {
  /** Batches of up to 10; delaySeconds ≤ 900. */
  enqueue(jobs: readonly DeliveryJob[], delaySeconds?: number): Promise<void>;
  /** Parks what can never succeed (an exhausted delivery, an unparseable message) for operators. */
  park(record: ParkedRecord): Promise<void>;
}

export interface EventPublisher {
  publish(event: WebhookEvent): Promise<void>;
}

/** Encrypts signing secrets at rest under the deployment's master key. */
export interface SecretCipher {
  encrypt(plaintext: string): Promise<string>;
  decrypt(ciphertext: string): Promise<string>;
}

/** Resolves a hostname to every address it answers with. */
export type HostResolver = (hostname: string) => Promise<string[]>;

export interface OutboundRequest {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly timeoutMs: number;
}

export interface OutboundResponse {
  /** Absent when no HTTP answer came (timeout, refused, reset, blocked address). */
  readonly statusCode?: number;
  readonly retryAfter?: string;
  /** At most 4 KB. */
  readonly bodySnippet?: string;
  readonly responseTimeMs: number;
  readonly error?: string;
}

export interface WebhookSender {
  send(request: OutboundRequest): Promise<OutboundResponse>;
}

export interface Clock {
  now(): Date;
}

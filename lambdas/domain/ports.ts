/**
 * Ports: what the use cases need from the outside world. Adapters in lambdas/adapters implement
 * them against AWS (DynamoDB, SQS, EventBridge, Secrets Manager, SES, SNS, Step Functions) or their
 * local twins; lambdas/composition.ts wires one set. Nothing here imports an SDK.
 */
import type { AlertEmailRecord, ConfirmationToken, QueuedConfirmation } from './alert-emails.js';
import type { BusEntry } from './bus-event.js';
import type { EscalationInput, Transition } from './escalation.js';
import type {
  Account,
  Admission,
  ApiKeyRecord,
  DailyUsage,
  Delivery,
  DeliveryAttempt,
  EventType,
  FailureState,
  Page,
  Subscription,
  Webhook,
  WebhookEvent,
  WebhookStats,
  WindowStats,
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

/**
 * Alert addresses tenants named, their confirmation mails (an outbox) and tokens (by hash), in the
 * config table. Addresses are passed normalised (lambdas/domain/alert-emails.ts).
 */
export interface AlertEmailRepository {
  /**
   * Replaces the account's platform-set alert addresses (`alert_emails` on the account item); throws
   * DomainError('not_found') when the account does not exist.
   */
  setPlatformAddresses(accountId: string, addresses: readonly string[]): Promise<Account>;
  /**
   * Adds an address confirmed through its link to the account item's set (repeats change nothing),
   * so the escalation Tasks know who may be mailed from the account read they make anyway.
   */
  addConfirmed(accountId: string, address: string): Promise<void>;
  get(accountId: string, address: string): Promise<AlertEmailRecord | undefined>;
  getMany(accountId: string, addresses: readonly string[]): Promise<Map<string, AlertEmailRecord>>;
  /**
   * Marks the address pending and queues one confirmation mail, in one conditional write: only if
   * the address is new to the account, or still pending with its last mail queued before
   * `resendBefore`. True when this call queued a mail (of concurrent callers, one does).
   */
  requestConfirmation(
    accountId: string,
    address: string,
    displayAddress: string,
    now: string,
    resendBefore: string,
  ): Promise<boolean>;
  /**
   * Counts one confirmation mail of the account for `day` (UTC) if fewer than `cap` were counted
   * (one conditional ADD). False when the day's cap is reached.
   */
  claimConfirmationSlot(accountId: string, day: string, cap: number): Promise<boolean>;
  /** Oldest first, at most `limit`. */
  listQueued(limit: number): Promise<QueuedConfirmation[]>;
  /** Takes a queued mail off the outbox (conditional delete): true for exactly one caller. */
  claimQueued(entry: QueuedConfirmation): Promise<boolean>;
  /** Puts a claimed mail back (its send failed): the next sweep tries again. */
  requeue(entry: QueuedConfirmation): Promise<void>;
  putToken(token: ConfirmationToken): Promise<void>;
  findToken(tokenHash: string): Promise<ConfirmationToken | undefined>;
  /** Marks the address confirmed (first confirmation time kept); a no-op for an unknown address. */
  confirm(accountId: string, address: string, now: string): Promise<AlertEmailRecord | undefined>;
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
  /**
   * Counts a failed attempt (atomic increment) and returns the counters after it; never touches
   * configuration fields. Throws DomainError('not_found') when the endpoint is gone.
   */
  recordFailure(accountId: string, webhookId: string): Promise<FailureState>;
  /** Ends a failing streak and its episode at once (re-enabling; a 2xx before any escalation). */
  resetFailures(accountId: string, webhookId: string): Promise<void>;
  /**
   * A 2xx: ends the failing streak. An escalated episode stays open, marked healthy since `now`
   * (kept if already set), until its execution sees the cool-down pass; any other is closed at once.
   */
  recordSuccess(accountId: string, webhookId: string, now: string): Promise<void>;
  /**
   * Closes `episode` as recovered, only if no failure came since and the endpoint has been healthy
   * since `healthyBefore` or earlier. True when this call closed it.
   */
  closeRecovered(
    accountId: string,
    webhookId: string,
    episode: number,
    healthyBefore: string,
  ): Promise<boolean>;
  /**
   * Counts one alert mail of the endpoint for `day` (UTC, YYYY-MM-DD) if fewer than `cap` were
   * counted that day, atomically (conditional updates). False when the day's cap is reached.
   */
  claimAlertMail(accountId: string, webhookId: string, day: string, cap: number): Promise<boolean>;
  /**
   * Opens the next failing episode, only if none is open and the streak is still at least
   * `threshold` (one conditional write: of concurrent callers, exactly one wins). Returns the new
   * episode's number, or undefined when this call did not open one.
   */
  openEpisode(accountId: string, webhookId: string, threshold: number): Promise<number | undefined>;
  /** `open` → `escalated` once the episode's execution is known to exist; a no-op otherwise. */
  markEscalated(accountId: string, webhookId: string, episode: number): Promise<void>;
  /** Closes `episode` if it is still the current one (its execution is done with it). */
  closeEpisode(accountId: string, webhookId: string, episode: number): Promise<void>;
  /**
   * The endpoint and its failure counters in one strongly consistent read (the delivery path: it
   * needs both, and a second read would cost a second request).
   */
  getWithFailureState(
    accountId: string,
    webhookId: string,
  ): Promise<{ webhook: Webhook; failures: FailureState } | undefined>;
  /** getWithFailureState for many endpoints in one strongly consistent batch read, by webhook id. */
  getManyWithFailureState(
    keys: readonly { accountId: string; webhookId: string }[],
  ): Promise<Map<string, { webhook: Webhook; failures: FailureState }>>;
  /** The counters, read strongly consistent; undefined when the endpoint is gone. */
  getFailureState(accountId: string, webhookId: string): Promise<FailureState | undefined>;
}

/** Result of creating a delivery record: created now, or it existed (a replayed fan-out). */
export type CreateDeliveryResult = { created: true } | { created: false; existing: Delivery };

export interface DeliveryRepository {
  /**
   * Stores the payload once per event (conditional: a replay rewrites nothing), with fan-out's quota
   * decision when given (a dropped event is stored without its data). `created` says whether this
   * call wrote it; when it existed, `admission` is the decision stored with it.
   */
  putEvent(event: WebhookEvent, admission?: Admission): Promise<{ created: boolean; admission?: Admission }>;
  /**
   * The quota decision stored with a live event: undefined when the event is not stored (or expired);
   * 'admitted' for an event stored without one (test sends).
   */
  getAdmission(eventId: string): Promise<Admission | undefined>;
  getEvent(eventId: string): Promise<WebhookEvent | undefined>;
  /** getEvent for many ids in one batch read (a delivery batch): the ones found, by id. */
  getEvents(eventIds: readonly string[]): Promise<Map<string, WebhookEvent>>;
  /** Conditional create keyed by the delivery id, so a replayed fan-out never creates twice. */
  createDelivery(delivery: Delivery): Promise<CreateDeliveryResult>;
  getDelivery(deliveryId: string): Promise<Delivery | undefined>;
  /** getDelivery for many ids in one strongly consistent batch read: the ones found, by id. */
  getDeliveries(deliveryIds: readonly string[]): Promise<Map<string, Delivery>>;
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
  /**
   * Every pending delivery, read from the table itself rather than an index: the local runtime's
   * sweep after a crash, when its queues are new and an index entry may not have been written.
   * A full scan: never for a deployed table.
   */
  scanPending(limit: number): Promise<Delivery[]>;
  /** Deletes up to `maxItems` of an endpoint's delivery items; `done` when none is left. */
  purgeHistory(webhookId: string, maxItems: number): Promise<{ deleted: number; done: boolean }>;
  /** Records that a deleted endpoint's history must be purged (the reconciler finishes what is left). */
  requestHistoryPurge(request: HistoryPurgeRequest): Promise<void>;
  /** Outstanding purge requests (in webhook id order, at most `limit`). */
  listHistoryPurges(limit: number): Promise<HistoryPurgeRequest[]>;
  completeHistoryPurge(webhookId: string): Promise<void>;
}

export interface HistoryPurgeRequest {
  readonly accountId: string;
  readonly webhookId: string;
  /** ISO 8601. */
  readonly requestedAt: string;
}

export interface IdempotencyRepository {
  /**
   * Claims `key` for `eventId` for 24 h. Returns the event id already holding an unexpired claim,
   * or undefined when this call claimed it.
   */
  claim(accountId: string, key: string, eventId: string, expiresAt: string): Promise<string | undefined>;
  /** The event id holding an unexpired claim on `key`, if any. */
  holder(accountId: string, key: string): Promise<string | undefined>;
}

export interface StatsRepository {
  /** Adds outcomes for one endpoint in one write (several deliveries of a batch at once). */
  add(
    webhookId: string,
    hour: string,
    delta: { successful: number; failed: number; responseTimeMsTotal: number; timed: number },
  ): Promise<void>;
  get(webhookId: string): Promise<WebhookStats>;
  /** The 24 hourly buckets ending with `now`'s hour, and the all-time counters. */
  getWindow(webhookId: string, now: Date): Promise<{ last24h: WindowStats; allTime: WebhookStats }>;
  /**
   * Drops a deleted endpoint's counters and leaves a marker that makes later `add`s no-ops, so a
   * batch still in flight cannot bring them back.
   */
  retire(webhookId: string): Promise<void>;
}

/** The account's webhook counter as stored: slots taken, and when it last moved (ISO 8601). */
export interface WebhookCount {
  readonly count: number;
  readonly updatedAt?: string;
}

/** What a reservation found: a slot taken, the plan full, no counter yet, or no account. */
export type WebhookSlotReservation =
  | { readonly outcome: 'reserved' }
  | { readonly outcome: 'full'; readonly counter: WebhookCount }
  | { readonly outcome: 'uncounted' }
  | { readonly outcome: 'no_account' };

/**
 * The per-account webhook counter (plan quota, docs/quotas.md): one slot per endpoint, taken by a
 * conditional write before the endpoint is created and given back when it is deleted, so concurrent
 * creates can never go past the limit between them.
 */
export interface WebhookCounter {
  /** Takes one slot if fewer than `limit` are taken (null = no limit), in one conditional write. */
  reserve(accountId: string, limit: number | null, now: string): Promise<WebhookSlotReservation>;
  /**
   * Gives one slot back (never below zero) for an endpoint deleted, or a create given up, after
   * `since` (ISO 8601, taken before that delete or reservation). A no-op for an account without a
   * counter, and when the counter was (re)counted after `since`: that count already left it out.
   */
  release(accountId: string, since: string, now: string): Promise<void>;
  /**
   * Starts the counter of an account that has none at `count`, a count of its endpoints taken
   * before this call; false when one exists already.
   */
  initialise(accountId: string, count: number, now: string): Promise<boolean>;
  /**
   * Sets the counter to `count` only if it is still exactly `seen` (value and time of its last move):
   * a recount that raced a create or a delete changes nothing. Returns whether it was set.
   */
  repair(accountId: string, seen: WebhookCount, count: number, now: string): Promise<boolean>;
  get(accountId: string): Promise<WebhookCount | undefined>;
}

/** Per-account, per-UTC-day event counters (quota). */
export interface UsageRepository {
  /**
   * Counts one event for `day` if fewer than `limit` are counted (null = no limit), atomically; when
   * the day is full, counts it as dropped instead. Returns whether it was admitted.
   */
  admitEvent(accountId: string, day: string, limit: number | null): Promise<boolean>;
  /** Counts an event refused before it was queued (the API's up-front check). */
  countDropped(accountId: string, day: string): Promise<void>;
  get(accountId: string, day: string): Promise<DailyUsage>;
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

/** The service's event bus, for POST /v1/events. */
export interface EventPublisher {
  /** Puts the entry on the bus and answers the id the bus gave it: the event's id derives from it. */
  put(entry: BusEntry): Promise<{ busEventId: string }>;
}

/**
 * Where the service's own operational events (endpoint.failing, …) go: straight to fan-out's queue,
 * never through the bus, so no bus publisher can send one (fan-out refuses those types on the bus).
 */
export interface OperationalEventSink {
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

/** Starts the escalation of a failing episode (a Step Functions Standard execution). */
export interface EscalationStarter {
  /**
   * Idempotent per (endpoint, episode): the execution is named after both, and starting a name that
   * exists (running or finished) is a success that starts nothing.
   */
  start(input: EscalationInput): Promise<void>;
}

export interface EmailMessage {
  readonly to: string;
  readonly subject: string;
  readonly text: string;
}

/** Alert emails to customers (SES v2 in AWS, JSON files in `<data dir>/outbox/` locally). */
export interface Mailer {
  send(message: EmailMessage): Promise<void>;
}

/** One escalation transition, told to the platform team. */
export interface OpsNotice {
  readonly transition: Transition;
  readonly accountId: string;
  readonly webhookId: string;
  readonly episode: number;
  readonly subject: string;
  readonly message: string;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** The platform team's operations topic (SNS in AWS, a JSON-lines file locally). */
export interface OpsNotifier {
  publish(notice: OpsNotice): Promise<void>;
}

export interface WebhookSender {
  send(request: OutboundRequest): Promise<OutboundResponse>;
}

export interface Clock {
  now(): Date;
}

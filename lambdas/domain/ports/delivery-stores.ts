/**
 * The deliveries table's stores: events (stored once, with fan-out's quota decision), deliveries
 * with their attempts, the purges of deleted endpoints' histories, idempotency claims and stats.
 */
import type {
  Admission,
  AllTimeStats,
  Delivery,
  DeliveryAttempt,
  DeliveryFilter,
  EventDelivery,
  EventFilter,
  EventSummary,
  Page,
  WebhookEvent,
  WebhookStats,
  WindowStats,
} from '../model.js';
import type { RecoverWindow } from '../recover.js';
import type { PageRequest } from './paging.js';

/** An event of an account: what every reader of an event knows (reads address its account only). */
export interface AccountEvent {
  readonly accountId: string;
  readonly eventId: string;
}

/**
 * Event payloads, stored once per event with fan-out's quota decision, in the event's log entry
 * (docs/storage.md, "Event log"). Reads take the account: another account's event is absent.
 */
export interface EventRepository {
  /**
   * Stores the event once (conditional: a replay rewrites nothing): its log entry with the payload,
   * fan-out's quota decision (none given: admitted, a test send) and the endpoints of its first
   * fan-out page, in one write. A dropped event is stored without its data and endpoints. `created`
   * says whether this call wrote it; when it existed, `admission` is the decision stored with it.
   */
  putEvent(
    event: WebhookEvent,
    admission?: Admission,
    firstPage?: FanOutPage,
  ): Promise<{ created: boolean; admission?: Admission }>;
  /**
   * The quota decision stored with a live event: undefined when the event is not stored (or expired);
   * 'admitted' for an event stored without one (test sends).
   */
  getAdmission(accountId: string, eventId: string): Promise<Admission | undefined>;
  getEvent(accountId: string, eventId: string): Promise<WebhookEvent | undefined>;
  /** getEvent for many in one batch read (a delivery batch): the ones found, by event id. */
  getEvents(events: readonly AccountEvent[]): Promise<Map<string, WebhookEvent>>;
}

/** One fan-out page of an event, as the event log records it. */
export interface FanOutPage {
  /** The subscription page's index (0 first). */
  readonly index: number;
  /** The endpoints this page fans out to (active subscriptions). */
  readonly webhookIds: readonly string[];
  /** Another subscription page follows. */
  readonly more: boolean;
}

/**
 * The account's event log (docs/storage.md, "Event log"): an entry per event with the endpoints it
 * was fanned out to, written by fan-out and test sends, read by GET /v1/events, /v1/events/{id} and
 * /v1/deliveries. Every read addresses the caller's account's keys only.
 */
export interface EventLog {
  /**
   * Adds a fan-out page's endpoints to the event's entry (a set union, so a replayed page adds
   * nothing twice and a crashed first run's endpoints are kept). Called before the page's
   * deliveries exist, for the pages after the first (EventRepository.putEvent logs that one with
   * the event) and for every page of a replay; page 0 with no endpoints still writes the entry.
   */
  recordFanOut(event: WebhookEvent, page: FanOutPage, flags?: { readonly dropped?: boolean }): Promise<void>;
  /** The account's events, newest first. */
  list(accountId: string, filter: EventFilter, page: PageRequest): Promise<Page<EventSummary>>;
  /** One event's deliveries, by webhook id (paged); a purged endpoint's delivery is left out. */
  eventDeliveries(accountId: string, eventId: string, page: PageRequest): Promise<Page<EventDelivery>>;
  /** The account's deliveries across its endpoints, newest event first, walking the log. */
  searchDeliveries(accountId: string, filter: DeliveryFilter, page: PageRequest): Promise<Page<Delivery>>;
  /**
   * Removes up to `budget` of the account's log entries with their event items and overflow pages
   * (account deletion). `done` once none is left.
   */
  purgeAccountLog(accountId: string, budget: number): Promise<{ removed: number; done: boolean }>;
}

/** Result of creating a delivery record: created now, or it existed (a replayed fan-out). */
export type CreateDeliveryResult = { created: true } | { created: false; existing: Delivery };

/** What a delivery must still be for a reopen to apply: as the caller read it. */
export interface ReopenExpectation {
  readonly status: Delivery['status'];
  readonly attemptCount: number;
  /** A pending delivery's due time. */
  readonly nextAttemptAt?: string;
}

/** Deliveries, one per (event, endpoint), with their attempts. */
export interface DeliveryRepository {
  /**
   * Fan-out stores each delivery pending before its first job is sent (the local runtime: a restart
   * finds, in the `due` index, jobs its in-memory queue lost). When false (AWS, where SQS holds the
   * job), fan-out stores nothing and the first outcome creates the delivery (docs/cost.md).
   */
  readonly pendingBeforeFirstAttempt: boolean;
  /** Conditional create keyed by the delivery id, so a replayed fan-out never creates twice. */
  createDelivery(delivery: Delivery): Promise<CreateDeliveryResult>;
  /**
   * Stores a delivery with its first outcome (its first attempt, or none when it ended without
   * one), only if no outcome is stored yet: absent, or pending with no attempt. False otherwise
   * (another run of the same job recorded first).
   */
  recordFirstOutcome(delivery: Delivery): Promise<boolean>;
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
    filter: DeliveryFilter,
    page: PageRequest,
  ): Promise<Page<Delivery>>;
  /**
   * Schedules one more attempt at `nextAttemptAt` (manual retry, recover): a final delivery becomes
   * pending again, a pending one is due earlier; only while it is still as `expected` (one of
   * concurrent calls wins). False when it was not.
   */
  reopen(deliveryId: string, expected: ReopenExpectation, nextAttemptAt: string): Promise<boolean>;
  /** Pending deliveries whose next attempt was due before `dueBefore` (the reconciler's query). */
  findOverdue(dueBefore: string, limit: number): Promise<Delivery[]>;
  /**
   * Every pending delivery, read from the table itself rather than an index: the local runtime's
   * sweep after a crash, when its queues are new and an index entry may not have been written.
   * A full scan: never for a deployed table.
   */
  scanPending(limit: number): Promise<Delivery[]>;
}

/** Removing a deleted endpoint's delivery history (docs/retention.md). */
export interface HistoryPurgeRepository {
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

/**
 * A recover in progress (POST /v1/webhooks/{id}/recover): at most one per endpoint. The request
 * does a bounded part; the reconciler carries on from `cursor` (docs/storage.md).
 */
export interface RecoverJob extends RecoverWindow {
  readonly accountId: string;
  readonly webhookId: string;
  /** The event ULID of the last delivery visited; absent before the first page. */
  readonly cursor?: string;
  /** Deliveries queued so far. */
  readonly queued: number;
  /** ISO 8601. */
  readonly requestedAt: string;
  /** ISO 8601: the last page done (a run that stopped longer ago than a grace is carried on). */
  readonly updatedAt: string;
  /** Finished: kept a minute, so that the same request again (a double click) queues nothing more. */
  readonly done?: boolean;
}

/** Recover jobs, and the window of an endpoint's deliveries they walk, oldest first. */
export interface RecoverRepository {
  /**
   * Claims the endpoint's recover; when one is in progress (or just done), it is returned instead.
   * `replacing`: the done job read before, which this one may replace.
   */
  startRecover(
    job: RecoverJob,
    replacing?: RecoverJob,
  ): Promise<{ started: true } | { started: false; existing: RecoverJob }>;
  /**
   * The next deliveries of the job's window after its cursor (up to `limit` read), final ones only,
   * failed ones alone for `status: failed`. `cursor` is where the page ended; `done` when the window
   * is exhausted.
   */
  recoverPage(
    job: RecoverJob,
    limit: number,
  ): Promise<{ deliveries: Delivery[]; cursor?: string; done: boolean }>;
  /** Moves the job's cursor from `from` to `to`; false when another run moved it first (it owns the job). */
  advanceRecover(job: RecoverJob, to: string, queued: number): Promise<boolean>;
  /** Marks the job done (it expires a minute later). */
  completeRecover(webhookId: string): Promise<void>;
  /** Recovers in progress (not done), at most `limit`. */
  listRecovers(limit: number): Promise<RecoverJob[]>;
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

/**
 * Outcomes to add to an endpoint's counters. Test sends count apart (all time only): they are in
 * neither the live counters nor the 24 h window.
 */
export interface StatsDelta {
  readonly successful: number;
  readonly failed: number;
  readonly responseTimeMsTotal: number;
  readonly timed: number;
  readonly testSuccessful?: number;
  readonly testFailed?: number;
}

export interface StatsRepository {
  /** Adds outcomes for one endpoint in one write (several deliveries of a batch at once). */
  add(webhookId: string, hour: string, delta: StatsDelta): Promise<void>;
  get(webhookId: string): Promise<WebhookStats>;
  /** The 24 hourly buckets ending with `now`'s hour, and the all-time counters. */
  getWindow(webhookId: string, now: Date): Promise<{ last24h: WindowStats; allTime: AllTimeStats }>;
  /**
   * Drops a deleted endpoint's counters and leaves a marker that makes later `add`s no-ops, so a
   * batch still in flight cannot bring them back.
   */
  retire(webhookId: string): Promise<void>;
}

/**
 * The config table's stores: accounts, their alert addresses, API keys, the event-type catalog and
 * webhooks (endpoint configuration and subscriptions). An endpoint's failure counters and episodes
 * are endpoint-health.ts's; the plan counters are quota-stores.ts's.
 */
import type { AlertEmailRecord, ConfirmationToken, QueuedConfirmation } from '../alert-emails.js';
import type {
  Account,
  ApiKeyRecord,
  EventType,
  FailureState,
  Page,
  Subscription,
  Webhook,
} from '../model.js';
import type { PageRequest } from './paging.js';

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
}

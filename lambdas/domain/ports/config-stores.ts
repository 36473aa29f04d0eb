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
  Plan,
  Subscription,
  Webhook,
} from '../model.js';
import type { PageRequest } from './paging.js';

export interface AccountRepository {
  /** Throws DomainError('conflict') when the id exists. */
  create(account: Account): Promise<void>;
  get(id: string): Promise<Account | undefined>;
  /**
   * Every account, by id, from an index (eventually consistent: an account created a
   * moment ago may be missing). Throws DomainError('validation_error') for a malformed cursor.
   */
  list(page: PageRequest): Promise<Page<Account>>;
  /** Sets the given fields; throws DomainError('not_found') when the account does not exist. */
  update(id: string, changes: { readonly name?: string; readonly plan?: Plan }): Promise<Account>;
  /** Whether the account item exists, an account being deleted included (`get` hides those). */
  exists(id: string): Promise<boolean>;
  /**
   * Marks the account deleting (kept if already marked): from then on `get` and `list` leave it
   * out, `create` of the same id conflicts until its item is gone. False when there is no item.
   */
  markDeleting(id: string, now: string): Promise<boolean>;
}

/** An account deletion in progress (DELETE /v1/admin/accounts/{id}), carried on by the reconciler. */
export interface AccountPurgeJob {
  readonly accountId: string;
  readonly requestedAt: string;
  /** The next step to run (lambdas/services/account-deletion.ts). */
  readonly step: string;
  readonly updatedAt: string;
}

/**
 * The account purge's job items and the config-table items only the purge touches: the account's
 * partition (usage and mail-counter days, alert addresses), its outbox entries, portal links and
 * mail tokens, and last the account item. Each delete call removes at most `limit` items.
 */
export interface AccountPurgeRepository {
  /** Writes the job if none is there (idempotent); returns the job as stored. */
  request(accountId: string, firstStep: string, now: string): Promise<AccountPurgeJob>;
  list(limit: number): Promise<AccountPurgeJob[]>;
  /** Moves the job from `from` to `to` (conditional: false when another run moved it). */
  advance(accountId: string, from: string, to: string, now: string): Promise<boolean>;
  complete(accountId: string): Promise<void>;
  /** Webhook ids of the account, up to `limit`, from its partition. */
  webhookIds(accountId: string, limit: number): Promise<string[]>;
  deletePortalLinks(accountId: string, limit: number): Promise<Deletion>;
  deleteEmailTokens(accountId: string, limit: number): Promise<Deletion>;
  deleteOutbox(accountId: string, limit: number): Promise<Deletion>;
  /** Every item of `ACCOUNT#<id>` but the account item and webhook items. */
  deletePartition(accountId: string, limit: number): Promise<Deletion>;
  deleteAccountItem(accountId: string): Promise<void>;
}

export interface Deletion {
  readonly deleted: number;
  /** True once nothing of the kind is left. */
  readonly done: boolean;
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
  /**
   * The account's keys (API keys and live portal session keys), by key id, from an index
   * (eventually consistent). Throws DomainError('validation_error') for a malformed cursor.
   */
  listForAccount(accountId: string, page: PageRequest, now: Date): Promise<Page<ApiKeyRecord>>;
  /**
   * Records that the key was used at `now`, only if it was last recorded before `staleBefore` (one
   * conditional write: of concurrent calls, at most one writes). A no-op for a key that is gone.
   */
  touch(keyHash: string, now: string, staleBefore: string): Promise<void>;
  /** Deletes the account's key `keyId`: from then on it authenticates nothing. False when there was none. */
  revoke(accountId: string, keyId: string): Promise<boolean>;
  /** Deletes up to `limit` of the account's keys (API and session keys), through the index. */
  deleteForAccount(accountId: string, limit: number): Promise<Deletion>;
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

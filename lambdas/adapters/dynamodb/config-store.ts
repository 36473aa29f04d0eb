import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { conflict, notFound } from '../../domain/errors.js';
import type {
  Account,
  ApiKeyRecord,
  EpisodeState,
  EventType,
  FailureState,
  Page,
  Plan,
  Scope,
  StoredSigningSecret,
  Subscription,
  Webhook,
  WebhookStatus,
} from '../../domain/model.js';
import type {
  AccountRepository,
  ApiKeyRepository,
  EventTypeRepository,
  WebhookRepository,
} from '../../domain/ports/config-stores.js';
import type { PageRequest } from '../../domain/ports/paging.js';
import { storableText, textFromStorage } from '../../domain/unicode.js';
import { batchGetAll, batchWriteAll } from './batch.js';
import {
  collectQuery,
  decodeCursor,
  Expr,
  encodeCursor,
  type ItemKey,
  invalidCursor,
  isConditionalCheckFailed,
  startKey,
} from './client.js';
import { accountPk } from './keys.js';

/**
 * The config table (docs/storage.md): accounts, API keys, event types, webhooks and the
 * subscription entries fan-out queries. Base-table reads are strongly consistent: these items are
 * small, and a configuration write must be visible to the next request.
 */

type Item = Record<string, unknown>;

const webhookSk = (webhookId: string): string => `WEBHOOK#${webhookId}`;
const subscriptionPk = (accountId: string, eventType: string): string => `SUB#${accountId}#${eventType}`;
/** The event type of the subscription entry of an endpoint that takes every type. */
export const ALL_EVENT_TYPES = '*';

const str = (value: unknown): string => (typeof value === 'string' ? value : '');
const optionalStr = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number => (typeof value === 'number' ? value : Number(value ?? 0));

// ---------------------------------------------------------------------------------------------
// Accounts

export class DynamoAccountRepository implements AccountRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(account: Account): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: accountPk(account.id),
            sk: '#ACCOUNT',
            account_id: account.id,
            name: account.name,
            plan: account.plan,
            alert_email: account.alertEmail,
            ...(account.alertEmails ? { alert_emails: [...account.alertEmails] } : {}),
            created_at: account.createdAt,
            // The webhook counter (webhook-count-store.ts) starts with the account: no endpoints yet.
            webhook_count: 0,
            webhook_count_at: account.createdAt,
            webhook_count_since: account.createdAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw conflict(`Account ${account.id} already exists`);
      throw error;
    }
  }

  async get(id: string): Promise<Account | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: accountPk(id), sk: '#ACCOUNT' },
        ConsistentRead: true,
      }),
    );
    return item ? itemToAccount(item) : undefined;
  }
}

/** The account item as the domain sees it (its alert-address attributes are written by the alert-email store). */
export function itemToAccount(item: Item): Account {
  const alertEmail = optionalStr(item.alert_email);
  const alertEmails = Array.isArray(item.alert_emails)
    ? (item.alert_emails as unknown[]).map(str)
    : undefined;
  return {
    id: str(item.account_id),
    name: str(item.name),
    plan: str(item.plan) as Plan,
    ...(alertEmail !== undefined ? { alertEmail } : {}),
    ...(alertEmails !== undefined ? { alertEmails } : {}),
    ...(item.confirmed_alert_emails instanceof Set
      ? { confirmedAlertEmails: [...(item.confirmed_alert_emails as Set<string>)] }
      : {}),
    createdAt: str(item.created_at),
  };
}

// ---------------------------------------------------------------------------------------------
// API keys

const apiKeyPk = (keyHash: string): string => `APIKEY#${keyHash}`;

export class DynamoApiKeyRepository implements ApiKeyRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Throws DomainError('conflict') if a key with the same hash exists (never, for random keys). */
  async create(key: ApiKeyRecord): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: apiKeyPk(key.keyHash),
            sk: '#APIKEY',
            key_id: key.id,
            account_id: key.accountId,
            prefix: key.prefix,
            scopes: [...key.scopes],
            name: key.name,
            created_at: key.createdAt,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw conflict('API key already exists');
      throw error;
    }
  }

  async findByHash(keyHash: string): Promise<ApiKeyRecord | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: apiKeyPk(keyHash), sk: '#APIKEY' },
        ConsistentRead: true,
      }),
    );
    if (!item) return undefined;
    const name = optionalStr(item.name);
    return {
      id: str(item.key_id),
      accountId: str(item.account_id),
      keyHash,
      prefix: str(item.prefix),
      scopes: (Array.isArray(item.scopes) ? item.scopes : []) as Scope[],
      ...(name !== undefined ? { name } : {}),
      createdAt: str(item.created_at),
    };
  }
}

// ---------------------------------------------------------------------------------------------
// Event types

const EVENT_TYPE_PK = 'EVENTTYPE';

function itemToEventType(item: Item): EventType {
  return {
    name: str(item.sk),
    description: str(item.description),
    // Stored as JSON text, like event payloads: exact round trip, no DynamoDB number or nesting limits.
    example: typeof item.example_json === 'string' ? JSON.parse(item.example_json) : item.example,
    updatedAt: str(item.updated_at),
  };
}

export class DynamoEventTypeRepository implements EventTypeRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async put(eventType: EventType): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          pk: EVENT_TYPE_PK,
          sk: eventType.name,
          description: eventType.description,
          example_json: JSON.stringify(eventType.example ?? {}),
          updated_at: eventType.updatedAt,
        },
      }),
    );
  }

  async get(name: string): Promise<EventType | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: EVENT_TYPE_PK, sk: name },
        ConsistentRead: true,
      }),
    );
    return item ? itemToEventType(item) : undefined;
  }

  /** Every event type, by name. */
  async list(): Promise<EventType[]> {
    const types: EventType[] = [];
    let exclusiveStartKey: Item | undefined;
    do {
      const result = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': EVENT_TYPE_PK },
          ConsistentRead: true,
          ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
        }),
      );
      for (const item of result.Items ?? []) types.push(itemToEventType(item));
      exclusiveStartKey = result.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return types;
  }
}

// ---------------------------------------------------------------------------------------------
// Webhooks and their subscription entries

/**
 * The configuration attributes of a webhook item: what create writes and update replaces. The key,
 * account_id, webhook_id, created_at, version and the delivery path's attributes
 * (consecutive_failures, failing_episode, episode_state) are not among them.
 */
const CONFIGURATION_ATTRIBUTES = [
  'name',
  'url',
  'description',
  'events',
  'status',
  'disabled_reason',
  'headers',
  'retry_policy',
  'timeout_seconds',
  'alerting',
  'secrets',
  'updated_at',
] as const;

export function webhookToItem(webhook: Webhook): Item {
  return {
    pk: accountPk(webhook.accountId),
    sk: webhookSk(webhook.id),
    webhook_id: webhook.id,
    account_id: webhook.accountId,
    // Tenant text that must read back exactly, lone surrogates and all (domain/unicode.ts).
    name: storableText(webhook.name),
    url: webhook.url,
    description: webhook.description === undefined ? undefined : storableText(webhook.description),
    events: [...webhook.events],
    status: webhook.status,
    disabled_reason: webhook.disabledReason,
    headers: { ...webhook.headers },
    retry_policy: {
      max_retries: webhook.retryPolicy.maxRetries,
      intervals_seconds: [...webhook.retryPolicy.intervalsSeconds],
    },
    timeout_seconds: webhook.timeoutSeconds,
    alerting: {
      email: webhook.alerting.email,
      failure_threshold: webhook.alerting.failureThreshold,
      recovery_cooldown_seconds: webhook.alerting.recoveryCooldownSeconds,
    },
    secrets: webhook.secrets.map((secret) => ({
      ciphertext: secret.ciphertext,
      prefix: secret.prefix,
      created_at: secret.createdAt,
      expires_at: secret.expiresAt,
    })),
    created_at: webhook.createdAt,
    updated_at: webhook.updatedAt,
    version: webhook.version,
  };
}

export function itemToWebhook(item: Item): Webhook {
  const retryPolicy = (item.retry_policy ?? {}) as Item;
  const alerting = (item.alerting ?? {}) as Item;
  const storedDescription = optionalStr(item.description);
  const description = storedDescription === undefined ? undefined : textFromStorage(storedDescription);
  const disabledReason = optionalStr(item.disabled_reason);
  const alertEmail = optionalStr(alerting.email);
  return {
    id: str(item.webhook_id),
    accountId: str(item.account_id),
    name: textFromStorage(str(item.name)),
    url: str(item.url),
    ...(description !== undefined ? { description } : {}),
    events: Array.isArray(item.events) ? (item.events as string[]) : [],
    status: str(item.status) as WebhookStatus,
    ...(disabledReason !== undefined ? { disabledReason } : {}),
    headers: (item.headers ?? {}) as Record<string, string>,
    retryPolicy: {
      maxRetries: num(retryPolicy.max_retries),
      intervalsSeconds: Array.isArray(retryPolicy.intervals_seconds)
        ? (retryPolicy.intervals_seconds as unknown[]).map(num)
        : [],
    },
    timeoutSeconds: num(item.timeout_seconds),
    alerting: {
      ...(alertEmail !== undefined ? { email: alertEmail } : {}),
      failureThreshold: num(alerting.failure_threshold),
      ...(typeof alerting.recovery_cooldown_seconds === 'number'
        ? { recoveryCooldownSeconds: alerting.recovery_cooldown_seconds }
        : {}),
    },
    secrets: (Array.isArray(item.secrets) ? (item.secrets as Item[]) : []).map(
      (secret): StoredSigningSecret => {
        const expiresAt = optionalStr(secret.expires_at);
        return {
          ciphertext: str(secret.ciphertext),
          prefix: str(secret.prefix),
          createdAt: str(secret.created_at),
          ...(expiresAt !== undefined ? { expiresAt } : {}),
        };
      },
    ),
    createdAt: str(item.created_at),
    updatedAt: str(item.updated_at),
    version: num(item.version),
  };
}

const EPISODE_STATES: readonly EpisodeState[] = ['open', 'escalated', 'closed'];

/** The delivery path's attributes of a webhook item (an item never counted reads as all zero). */
function itemToFailureState(item: Item): FailureState {
  const state = item.episode_state as EpisodeState;
  return {
    consecutiveFailures: num(item.consecutive_failures),
    episode: num(item.failing_episode),
    episodeState: EPISODE_STATES.includes(state) ? state : 'closed',
    ...(typeof item.healthy_since === 'string' ? { healthySince: item.healthy_since } : {}),
  };
}

/** The subscription partitions an endpoint is in: one per type, or the all-types one. */
const subscribedTypes = (events: readonly string[]): string[] =>
  events.length === 0 ? [ALL_EVENT_TYPES] : [...new Set(events)];

export class DynamoWebhookRepository implements WebhookRepository {
  constructor(
    private readonly doc: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Subscription entries first, then the webhook item (docs/storage.md, "Writes without transactions"). */
  async create(webhook: Webhook): Promise<void> {
    await this.putSubscriptions(
      webhook.accountId,
      webhook.id,
      subscribedTypes(webhook.events),
      webhook.status,
    );
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: webhookToItem(webhook),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw conflict(`Webhook ${webhook.id} already exists`);
      throw error;
    }
  }

  async get(accountId: string, webhookId: string): Promise<Webhook | undefined> {
    const item = await this.getItem(accountId, webhookId);
    return item ? itemToWebhook(item) : undefined;
  }

  async getWithFailureState(
    accountId: string,
    webhookId: string,
  ): Promise<{ webhook: Webhook; failures: FailureState } | undefined> {
    const item = await this.getItem(accountId, webhookId);
    return item ? { webhook: itemToWebhook(item), failures: itemToFailureState(item) } : undefined;
  }

  async getManyWithFailureState(
    keys: readonly { accountId: string; webhookId: string }[],
  ): Promise<Map<string, { webhook: Webhook; failures: FailureState }>> {
    const unique = new Map(keys.map((key) => [`${key.accountId}/${key.webhookId}`, key]));
    const items = await batchGetAll(
      this.doc,
      this.tableName,
      [...unique.values()].map((key) => ({ pk: accountPk(key.accountId), sk: webhookSk(key.webhookId) })),
      true,
    );
    const found = new Map<string, { webhook: Webhook; failures: FailureState }>();
    for (const item of items) {
      const webhook = itemToWebhook(item);
      found.set(webhook.id, { webhook, failures: itemToFailureState(item) });
    }
    return found;
  }

  private async getItem(accountId: string, webhookId: string): Promise<Item | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: accountPk(accountId), sk: webhookSk(webhookId) },
        ConsistentRead: true,
      }),
    );
    return item;
  }

  /** In webhook id order. */
  async list(accountId: string, page: PageRequest): Promise<Page<Webhook>> {
    const pk = accountPk(accountId);
    const exclusiveStartKey = page.cursor ? startKey(decodeCursor(page.cursor, pk), ['pk', 'sk']) : undefined;
    if (exclusiveStartKey && !exclusiveStartKey.sk?.startsWith('WEBHOOK#')) {
      throw invalidCursor();
    }
    const { items, lastKey } = await collectQuery(
      this.doc,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': 'WEBHOOK#' },
        ConsistentRead: true,
      },
      {
        limit: page.limit,
        ...(exclusiveStartKey ? { exclusiveStartKey } : {}),
        keyAttributes: ['pk', 'sk'],
        accept: itemToWebhook,
      },
    );
    return { items, ...(lastKey ? { nextCursor: encodeCursor(lastKey) } : {}) };
  }

  async countForAccount(accountId: string): Promise<number> {
    let count = 0;
    let exclusiveStartKey: Item | undefined;
    do {
      const result = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
          ExpressionAttributeValues: { ':pk': accountPk(accountId), ':prefix': 'WEBHOOK#' },
          Select: 'COUNT',
          ConsistentRead: true,
          ...(exclusiveStartKey ? { ExclusiveStartKey: exclusiveStartKey } : {}),
        }),
      );
      count += result.Count ?? 0;
      exclusiveStartKey = result.LastEvaluatedKey;
    } while (exclusiveStartKey);
    return count;
  }

  /**
   * Replaces the configuration attributes (never the delivery path's counters), then puts
   * the new subscription entries and deletes the removed ones.
   */
  async update(webhook: Webhook, expectedVersion: number): Promise<void> {
    const item = webhookToItem(webhook);
    const expr = new Expr();
    for (const attribute of CONFIGURATION_ATTRIBUTES) expr.setOrRemove(attribute, item[attribute]);
    expr.set('version', expectedVersion + 1);
    const condition = `attribute_exists(${expr.n('pk')}) AND ${expr.n('version')} = ${expr.v(expectedVersion)}`;
    let previous: Item;
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: accountPk(webhook.accountId), sk: webhookSk(webhook.id) },
          UpdateExpression: expr.update(),
          ConditionExpression: condition,
          ...expr.attributes(),
          ReturnValues: 'UPDATED_OLD',
        }),
      );
      previous = result.Attributes ?? {};
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      const current = await this.get(webhook.accountId, webhook.id);
      if (!current) throw notFound('Webhook');
      throw conflict(
        `Webhook ${webhook.id} was modified (version ${current.version}, expected ${expectedVersion})`,
      );
    }

    const oldTypes = subscribedTypes(Array.isArray(previous.events) ? (previous.events as string[]) : []);
    const newTypes = subscribedTypes(webhook.events);
    const statusChanged = previous.status !== webhook.status;
    const toPut = statusChanged ? newTypes : newTypes.filter((type) => !oldTypes.includes(type));
    const toDelete = oldTypes.filter((type) => !newTypes.includes(type));
    await this.putSubscriptions(webhook.accountId, webhook.id, toPut, webhook.status);
    await this.deleteSubscriptions(webhook.accountId, webhook.id, toDelete);
  }

  /**
   * The webhook item first, then its subscription entries. Conditional on the item existing: of
   * concurrent deletes exactly one gets `true` (and gives the account's quota slot back).
   */
  async delete(accountId: string, webhookId: string): Promise<boolean> {
    let old: Item | undefined;
    try {
      ({ Attributes: old } = await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: accountPk(accountId), sk: webhookSk(webhookId) },
          ConditionExpression: 'attribute_exists(pk)',
          ReturnValues: 'ALL_OLD',
        }),
      ));
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
    if (!old) return false;
    const events = Array.isArray(old.events) ? (old.events as string[]) : [];
    await this.deleteSubscriptions(accountId, webhookId, subscribedTypes(events));
    return true;
  }

  /**
   * Endpoints subscribed to `eventType`, then those subscribed to every type. The cursor is the key
   * of the last entry returned, whose pk says which of the two partitions to resume; `{pk}` alone
   * (the all-types partition) means "start that partition from the beginning".
   */
  async findSubscriptions(
    accountId: string,
    eventType: string,
    page: PageRequest,
  ): Promise<Page<Subscription>> {
    const partitions = [
      ...new Set([subscriptionPk(accountId, eventType), subscriptionPk(accountId, ALL_EVENT_TYPES)]),
    ];
    let partition = 0;
    let exclusiveStartKey: ItemKey | undefined;
    if (page.cursor) {
      const key = decodeCursor(page.cursor, partitions);
      partition = partitions.indexOf(key.pk!);
      exclusiveStartKey = Object.keys(key).length === 1 ? undefined : startKey(key, ['pk', 'sk']);
      if (!exclusiveStartKey && partition === 0 && partitions.length > 1) throw invalidCursor();
    }

    const items: Subscription[] = [];
    while (partition < partitions.length) {
      const pk = partitions[partition]!;
      const type = pk.slice(subscriptionPk(accountId, '').length);
      const result = await collectQuery(
        this.doc,
        {
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk',
          ExpressionAttributeValues: { ':pk': pk },
          ConsistentRead: true,
        },
        {
          limit: page.limit - items.length,
          ...(exclusiveStartKey ? { exclusiveStartKey } : {}),
          keyAttributes: ['pk', 'sk'],
          accept: (item): Subscription => ({
            accountId,
            webhookId: str(item.sk),
            eventType: type,
            status: str(item.status) as WebhookStatus,
          }),
          pageSize: (wanted) => wanted,
        },
      );
      items.push(...result.items);
      if (result.lastKey) return { items, nextCursor: encodeCursor(result.lastKey) };
      partition += 1;
      exclusiveStartKey = undefined;
      if (items.length >= page.limit) {
        return partition < partitions.length
          ? { items, nextCursor: encodeCursor({ pk: partitions[partition]! }) }
          : { items };
      }
    }
    return { items };
  }

  /**
   * Counts a failed delivery outcome (ADD, so concurrent deliveries never lose a count) and returns
   * the counters after it. Throws DomainError('not_found') when the webhook item is gone. Delivery
   * path only.
   */
  async recordFailure(accountId: string, webhookId: string): Promise<FailureState> {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: accountPk(accountId), sk: webhookSk(webhookId) },
          // A failure ends any healthy spell: the cool-down starts again at the next 2xx.
          UpdateExpression: 'ADD consecutive_failures :one REMOVE healthy_since',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':one': 1 },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return itemToFailureState(result.Attributes ?? {});
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw notFound('Webhook');
      throw error;
    }
  }

  /**
   * Ends a failing streak and its episode (a 2xx, or re-enabling). Conditional, so it never
   * rewrites a clean item; callers that know the counters are clean skip the call (a failed
   * condition still costs a write unit).
   */
  async resetFailures(accountId: string, webhookId: string): Promise<void> {
    await this.conditionalUpdate(accountId, webhookId, {
      UpdateExpression: 'SET consecutive_failures = :zero, episode_state = :closed REMOVE healthy_since',
      ConditionExpression: 'consecutive_failures > :zero OR episode_state IN (:open, :escalated)',
      ExpressionAttributeValues: {
        ':zero': 0,
        ':closed': 'closed',
        ':open': 'open',
        ':escalated': 'escalated',
      },
    });
  }

  async recordSuccess(accountId: string, webhookId: string, now: string): Promise<void> {
    const escalated = await this.conditionalUpdate(accountId, webhookId, {
      UpdateExpression:
        'SET consecutive_failures = :zero, healthy_since = if_not_exists(healthy_since, :now)',
      ConditionExpression: 'episode_state = :escalated',
      ExpressionAttributeValues: { ':zero': 0, ':now': now, ':escalated': 'escalated' },
    });
    // No escalated episode: nothing was announced, so nothing needs damping.
    if (!escalated) await this.resetFailures(accountId, webhookId);
  }

  closeRecovered(
    accountId: string,
    webhookId: string,
    episode: number,
    healthyBefore: string,
  ): Promise<boolean> {
    return this.conditionalUpdate(accountId, webhookId, {
      UpdateExpression: 'SET episode_state = :closed REMOVE healthy_since',
      ConditionExpression:
        'failing_episode = :episode AND episode_state <> :closed AND consecutive_failures = :zero AND ' +
        '(attribute_not_exists(healthy_since) OR healthy_since <= :healthyBefore)',
      ExpressionAttributeValues: {
        ':closed': 'closed',
        ':episode': episode,
        ':zero': 0,
        ':healthyBefore': healthyBefore,
      },
    });
  }

  /**
   * One conditional ADD on the endpoint's item for the day (`ALERTMAILS#<webhook id>#<day>`, ~80
   * bytes, kept like the usage days): of concurrent claims, at most `cap` succeed.
   */
  async claimAlertMail(accountId: string, webhookId: string, day: string, cap: number): Promise<boolean> {
    if (cap <= 0) return false;
    return this.conditionalUpdate(
      accountId,
      webhookId,
      {
        UpdateExpression: 'ADD mails :one',
        ConditionExpression: 'attribute_not_exists(mails) OR mails < :cap',
        ExpressionAttributeValues: { ':one': 1, ':cap': cap },
      },
      `ALERTMAILS#${webhookId}#${day}`,
    );
  }

  /**
   * The next episode number, in the same conditional write that checks no episode is open and the
   * streak still reaches the threshold (no reset slipped in): of concurrent callers exactly one wins.
   */
  async openEpisode(accountId: string, webhookId: string, threshold: number): Promise<number | undefined> {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { pk: accountPk(accountId), sk: webhookSk(webhookId) },
          UpdateExpression:
            'SET failing_episode = if_not_exists(failing_episode, :zero) + :one, episode_state = :open',
          ConditionExpression:
            'attribute_exists(pk) AND consecutive_failures >= :threshold AND ' +
            '(attribute_not_exists(episode_state) OR episode_state = :closed)',
          ExpressionAttributeValues: {
            ':zero': 0,
            ':one': 1,
            ':open': 'open',
            ':closed': 'closed',
            ':threshold': threshold,
          },
          ReturnValues: 'UPDATED_NEW',
        }),
      );
      return num(result.Attributes?.failing_episode);
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }

  async markEscalated(accountId: string, webhookId: string, episode: number): Promise<void> {
    await this.conditionalUpdate(accountId, webhookId, {
      UpdateExpression: 'SET episode_state = :escalated',
      ConditionExpression: 'failing_episode = :episode AND episode_state = :open',
      ExpressionAttributeValues: { ':escalated': 'escalated', ':open': 'open', ':episode': episode },
    });
  }

  async closeEpisode(accountId: string, webhookId: string, episode: number): Promise<void> {
    await this.conditionalUpdate(accountId, webhookId, {
      UpdateExpression: 'SET episode_state = :closed',
      ConditionExpression: 'failing_episode = :episode AND episode_state <> :closed',
      ExpressionAttributeValues: { ':closed': 'closed', ':episode': episode },
    });
  }

  async getFailureState(accountId: string, webhookId: string): Promise<FailureState | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { pk: accountPk(accountId), sk: webhookSk(webhookId) },
        ProjectionExpression: 'pk, consecutive_failures, failing_episode, episode_state, healthy_since',
        ConsistentRead: true,
      }),
    );
    return item ? itemToFailureState(item) : undefined;
  }

  /** The delivery path's failure counter (0 when never counted); not part of the Webhook model. */
  async getConsecutiveFailures(accountId: string, webhookId: string): Promise<number | undefined> {
    return (await this.getFailureState(accountId, webhookId))?.consecutiveFailures;
  }

  /** An update of the delivery path's attributes that is simply skipped when its condition fails. */
  /** True when it applied; `sk` defaults to the webhook item's. */
  private async conditionalUpdate(
    accountId: string,
    webhookId: string,
    update: {
      UpdateExpression: string;
      ConditionExpression: string;
      ExpressionAttributeValues: Record<string, unknown>;
    },
    sk = webhookSk(webhookId),
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({ TableName: this.tableName, Key: { pk: accountPk(accountId), sk }, ...update }),
      );
      return true;
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      return false;
    }
  }

  private async putSubscriptions(
    accountId: string,
    webhookId: string,
    types: readonly string[],
    status: WebhookStatus,
  ): Promise<void> {
    await batchWriteAll(
      this.doc,
      this.tableName,
      types.map((type) => ({
        PutRequest: { Item: { pk: subscriptionPk(accountId, type), sk: webhookId, status } },
      })),
    );
  }

  private async deleteSubscriptions(
    accountId: string,
    webhookId: string,
    types: readonly string[],
  ): Promise<void> {
    await batchWriteAll(
      this.doc,
      this.tableName,
      types.map((type) => ({
        DeleteRequest: { Key: { pk: subscriptionPk(accountId, type), sk: webhookId } },
      })),
    );
  }
}

import {
  DeleteCommand,
  GetCommand,
  type LeanDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '../../aws/lean/dynamodb.js';
import { conflict, notFound } from '../../domain/errors.js';
import type { FailureState, Page, Subscription, Webhook, WebhookStatus } from '../../domain/model.js';
import type { WebhookRepository } from '../../domain/ports/config-stores.js';
import type { PageRequest } from '../../domain/ports/paging.js';
import { type Item, str } from './attributes.js';
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
import {
  CONFIGURATION_ATTRIBUTES,
  itemToFailureState,
  itemToWebhook,
  webhookToItem,
} from './config-items.js';
import {
  ALL_EVENT_TYPES,
  accountPk,
  subscriptionKey,
  subscriptionPk,
  WEBHOOK_SK_PREFIX,
  webhookKey,
} from './keys.js';

/**
 * Webhooks in the config table (docs/storage.md): the endpoint item in its account's partition, and
 * the subscription entries fan-out queries (one per event type, or the all-types one). Base-table
 * reads are strongly consistent: a configuration write must be visible to the next request. The
 * endpoint's health attributes on the same item are endpoint-health-store.ts's.
 */

/** The subscription partitions an endpoint is in: one per type, or the all-types one. */
const subscribedTypes = (events: readonly string[]): string[] =>
  events.length === 0 ? [ALL_EVENT_TYPES] : [...new Set(events)];

export class DynamoWebhookRepository implements WebhookRepository {
  constructor(
    private readonly doc: LeanDocumentClient,
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
      [...unique.values()].map((key) => webhookKey(key.accountId, key.webhookId)),
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
        Key: webhookKey(accountId, webhookId),
        ConsistentRead: true,
      }),
    );
    return item;
  }

  /** In webhook id order. */
  async list(accountId: string, page: PageRequest): Promise<Page<Webhook>> {
    const pk = accountPk(accountId);
    const exclusiveStartKey = page.cursor ? startKey(decodeCursor(page.cursor, pk), ['pk', 'sk']) : undefined;
    if (exclusiveStartKey && !exclusiveStartKey.sk?.startsWith(WEBHOOK_SK_PREFIX)) {
      throw invalidCursor();
    }
    const { items, lastKey } = await collectQuery(
      this.doc,
      {
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': WEBHOOK_SK_PREFIX },
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
          ExpressionAttributeValues: { ':pk': accountPk(accountId), ':prefix': WEBHOOK_SK_PREFIX },
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
          Key: webhookKey(webhook.accountId, webhook.id),
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
          Key: webhookKey(accountId, webhookId),
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
        PutRequest: { Item: { ...subscriptionKey(accountId, type, webhookId), status } },
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
        DeleteRequest: { Key: subscriptionKey(accountId, type, webhookId) },
      })),
    );
  }
}

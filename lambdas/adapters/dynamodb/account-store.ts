import { CONFIG_INDEX } from '../../../lib/storage-schema.js';
import { GetCommand, type LeanDocumentClient, PutCommand, UpdateCommand } from '../../aws/lean/dynamodb.js';
import { conflict, notFound } from '../../domain/errors.js';
import type { Account, Page, Plan } from '../../domain/model.js';
import type { AccountRepository } from '../../domain/ports/config-stores.js';
import type { PageRequest } from '../../domain/ports/paging.js';
import { str } from './attributes.js';
import { batchGetAll } from './batch.js';
import {
  collectQuery,
  decodeCursor,
  Expr,
  encodeCursor,
  isConditionalCheckFailed,
  startKey,
} from './client.js';
import { itemToAccount } from './config-items.js';
import { accountItemKey } from './keys.js';

/**
 * Accounts in the config table (docs/storage.md): one item per account, `ACCOUNT#<id>` / `#ACCOUNT`,
 * listed through the `account_items` index (partition = `sk`, sort = the account id, keys only). An
 * account being deleted (`deleting_at`) reads as not found; its item goes last (account-purge-store.ts).
 */

/** The `pk` of an accounts-list cursor: `{pk, after: <account id>}`. */
const CURSOR_PK = 'ACCOUNTS';
const ACCOUNT_SK = '#ACCOUNT';
const INDEX_KEY_ATTRIBUTES = ['sk', 'account_id', 'pk'] as const;

const live = (item: Record<string, unknown> | undefined) =>
  item && item.deleting_at === undefined ? itemToAccount(item) : undefined;

export class DynamoAccountRepository implements AccountRepository {
  constructor(
    private readonly doc: LeanDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(account: Account): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...accountItemKey(account.id),
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
        Key: accountItemKey(id),
        ConsistentRead: true,
      }),
    );
    return live(item);
  }

  /**
   * One Query of the `account_items` index (`sk = #ACCOUNT`, by account id) for `limit` ids, then one
   * BatchGetItem of those items (eventually consistent, like the index). Accounts being deleted are
   * left out, so a page may hold fewer than `limit`.
   */
  async list(page: PageRequest): Promise<Page<Account>> {
    const after = page.cursor
      ? startKey(decodeCursor(page.cursor, CURSOR_PK), ['pk', 'after']).after
      : undefined;
    const expr = new Expr();
    const { items: ids, lastKey } = await collectQuery(
      this.doc,
      {
        TableName: this.tableName,
        IndexName: CONFIG_INDEX.accountItems,
        KeyConditionExpression: `${expr.n('sk')} = ${expr.v(ACCOUNT_SK)}`,
        ...expr.attributes(),
      },
      {
        limit: page.limit,
        ...(after !== undefined
          ? { exclusiveStartKey: { ...accountItemKey(after), account_id: after } }
          : {}),
        keyAttributes: INDEX_KEY_ATTRIBUTES,
        accept: (item) => str(item.account_id),
      },
    );
    const found = await batchGetAll(this.doc, this.tableName, ids.map(accountItemKey), false);
    const byId = new Map(found.map((item) => [str(item.account_id), live(item)]));
    const items = ids.flatMap((id) => byId.get(id) ?? []);
    return {
      items,
      ...(lastKey ? { nextCursor: encodeCursor({ pk: CURSOR_PK, after: str(lastKey.account_id) }) } : {}),
    };
  }

  async update(id: string, changes: { readonly name?: string; readonly plan?: Plan }): Promise<Account> {
    const expr = new Expr();
    if (changes.name !== undefined) expr.set('name', changes.name);
    if (changes.plan !== undefined) expr.set('plan', changes.plan);
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: accountItemKey(id),
          UpdateExpression: expr.update(),
          ConditionExpression: `attribute_exists(${expr.n('pk')}) AND attribute_not_exists(${expr.n('deleting_at')})`,
          ...expr.attributes(),
          ReturnValues: 'ALL_NEW',
        }),
      );
      return itemToAccount(result.Attributes ?? {});
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw notFound('Account');
      throw error;
    }
  }

  async exists(id: string): Promise<boolean> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: accountItemKey(id),
        ProjectionExpression: 'pk',
        ConsistentRead: true,
      }),
    );
    return item !== undefined;
  }

  async markDeleting(id: string, now: string): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: accountItemKey(id),
          UpdateExpression: 'SET deleting_at = if_not_exists(deleting_at, :now)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeValues: { ':now': now },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }
}

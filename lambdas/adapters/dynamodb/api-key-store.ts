import { CONFIG_INDEX } from '../../../lib/storage-schema.js';
import {
  DeleteCommand,
  GetCommand,
  type LeanDocumentClient,
  PutCommand,
  UpdateCommand,
} from '../../aws/lean/dynamodb.js';
import { conflict } from '../../domain/errors.js';
import type { ApiKeyRecord, Page, Scope } from '../../domain/model.js';
import { hasExpired } from '../../domain/portal.js';
import type { ApiKeyRepository } from '../../domain/ports/config-stores.js';
import type { PageRequest } from '../../domain/ports/paging.js';
import { type Item, optionalStr, str } from './attributes.js';
import { batchGetAll } from './batch.js';
import {
  collectQuery,
  decodeCursor,
  Expr,
  encodeCursor,
  epochSeconds,
  isConditionalCheckFailed,
  startKey,
} from './client.js';
import { apiKeyKey } from './keys.js';

/** The `pk` of a key-list cursor, `{pk, after: <key id>}`: the key's hash never leaves the table. */
const cursorPk = (accountId: string): string => `APIKEYS#${accountId}`;
const APIKEY_PK = 'APIKEY#';
const APIKEY_SK = '#APIKEY';

function itemToApiKey(item: Item): ApiKeyRecord {
  const name = optionalStr(item.name);
  const expiresAt = optionalStr(item.expires_at);
  const lastUsedAt = optionalStr(item.last_used_at);
  return {
    id: str(item.key_id),
    accountId: str(item.account_id),
    keyHash: str(item.pk).slice(APIKEY_PK.length),
    prefix: str(item.prefix),
    scopes: (Array.isArray(item.scopes) ? item.scopes : []) as Scope[],
    ...(name !== undefined ? { name } : {}),
    createdAt: str(item.created_at),
    ...(expiresAt !== undefined ? { expiresAt } : {}),
    ...(lastUsedAt !== undefined ? { lastUsedAt } : {}),
  };
}

/**
 * API keys and portal session keys in the config table, by the hash of the key (docs/storage.md): the
 * key itself is never stored.
 */

export class DynamoApiKeyRepository implements ApiKeyRepository {
  constructor(
    private readonly doc: LeanDocumentClient,
    private readonly tableName: string,
  ) {}

  /** Throws DomainError('conflict') if a key with the same hash exists (never, for random keys). */
  async create(key: ApiKeyRecord): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...apiKeyKey(key.keyHash),
            key_id: key.id,
            account_id: key.accountId,
            prefix: key.prefix,
            scopes: [...key.scopes],
            name: key.name,
            created_at: key.createdAt,
            // A portal session key: its end, and the config table's TTL (DynamoDB removes it later).
            ...(key.expiresAt !== undefined
              ? { expires_at: key.expiresAt, purge_at: epochSeconds(new Date(key.expiresAt)) }
              : {}),
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
        Key: apiKeyKey(keyHash),
        ConsistentRead: true,
      }),
    );
    return item ? itemToApiKey(item) : undefined;
  }

  /**
   * Query of the `account_items` index (`sk = #APIKEY AND account_id = a`, keys only) for a page of
   * key hashes, then one BatchGetItem of their items; expired session keys skipped (DynamoDB's TTL
   * removes them later). In index order (by key hash), so the cursor holds the last key's hash: a
   * SHA-256 of a random key, not a credential, shown only to the platform admin.
   */
  async listForAccount(accountId: string, page: PageRequest, now: Date): Promise<Page<ApiKeyRecord>> {
    const after = page.cursor
      ? startKey(decodeCursor(page.cursor, cursorPk(accountId)), ['pk', 'after']).after
      : undefined;
    const { hashes, lastHash } = await this.hashesOf(accountId, page.limit, after);
    const found = await batchGetAll(this.doc, this.tableName, hashes.map(apiKeyKey), false);
    const byHash = new Map(found.map((item) => [str(item.pk).slice(APIKEY_PK.length), itemToApiKey(item)]));
    const items = hashes.flatMap((hash) => {
      const key = byHash.get(hash);
      return key && key.accountId === accountId && !hasExpired(key.expiresAt, now) ? [key] : [];
    });
    return {
      items,
      ...(lastHash ? { nextCursor: encodeCursor({ pk: cursorPk(accountId), after: lastHash }) } : {}),
    };
  }

  /** Up to `limit` hashes of the account's keys (API and session keys) from the index, after `after`. */
  async hashesOf(
    accountId: string,
    limit: number,
    after?: string,
  ): Promise<{ hashes: string[]; lastHash?: string }> {
    const expr = new Expr();
    const { items, lastKey } = await collectQuery(
      this.doc,
      {
        TableName: this.tableName,
        IndexName: CONFIG_INDEX.accountItems,
        KeyConditionExpression: `${expr.n('sk')} = ${expr.v(APIKEY_SK)} AND ${expr.n('account_id')} = ${expr.v(accountId)}`,
        ...expr.attributes(),
      },
      {
        limit,
        ...(after !== undefined ? { exclusiveStartKey: { ...apiKeyKey(after), account_id: accountId } } : {}),
        keyAttributes: ['pk', 'sk', 'account_id'],
        accept: (item) => str(item.pk).slice(APIKEY_PK.length),
      },
    );
    return { hashes: items, ...(lastKey ? { lastHash: str(lastKey.pk).slice(APIKEY_PK.length) } : {}) };
  }

  async touch(keyHash: string, now: string, staleBefore: string): Promise<void> {
    const expr = new Expr().set('last_used_at', now);
    const lastUsed = expr.n('last_used_at');
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: apiKeyKey(keyHash),
          UpdateExpression: expr.update(),
          ConditionExpression: `attribute_exists(${expr.n('pk')}) AND (attribute_not_exists(${lastUsed}) OR ${lastUsed} < ${expr.v(staleBefore)})`,
          ...expr.attributes(),
        }),
      );
    } catch (error) {
      // Recorded within the hour already (or the key is gone): nothing to write.
      if (!isConditionalCheckFailed(error)) throw error;
    }
  }

  /**
   * Finds the key among the account's (index pages of 100 hashes, each a BatchGetItem: an account
   * has few keys), then a conditional delete.
   */
  async revoke(accountId: string, keyId: string): Promise<boolean> {
    let after: string | undefined;
    for (;;) {
      const { hashes, lastHash } = await this.hashesOf(accountId, 100, after);
      const found = await batchGetAll(this.doc, this.tableName, hashes.map(apiKeyKey), true);
      const item = found.find(
        (candidate) => candidate.key_id === keyId && candidate.account_id === accountId,
      );
      if (item) return this.deleteIf(str(item.pk).slice(APIKEY_PK.length), accountId, keyId);
      if (!lastHash) return false;
      after = lastHash;
    }
  }

  /** Deletes the key item if it still belongs to the account (and is `keyId`, when given). */
  async deleteIf(keyHash: string, accountId: string, keyId?: string): Promise<boolean> {
    const condition = new Expr();
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: apiKeyKey(keyHash),
          ConditionExpression: `${condition.n('account_id')} = ${condition.v(accountId)}${
            keyId !== undefined ? ` AND ${condition.n('key_id')} = ${condition.v(keyId)}` : ''
          }`,
          ...condition.attributes(),
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  /** Deletes up to `limit` of the account's keys; `done` once none is left. */
  async deleteForAccount(accountId: string, limit: number): Promise<{ deleted: number; done: boolean }> {
    const { hashes, lastHash } = await this.hashesOf(accountId, limit);
    let deleted = 0;
    for (const hash of hashes) if (await this.deleteIf(hash, accountId)) deleted += 1;
    return { deleted, done: lastHash === undefined };
  }
}

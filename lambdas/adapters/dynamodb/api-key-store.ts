import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conflict } from '../../domain/errors.js';
import type { ApiKeyRecord, Scope } from '../../domain/model.js';
import type { ApiKeyRepository } from '../../domain/ports/config-stores.js';
import { optionalStr, str } from './attributes.js';
import { epochSeconds, isConditionalCheckFailed } from './client.js';
import { apiKeyKey } from './keys.js';

/**
 * API keys and portal session keys in the config table, by the hash of the key (docs/storage.md): the
 * key itself is never stored.
 */

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
    if (!item) return undefined;
    const name = optionalStr(item.name);
    const expiresAt = optionalStr(item.expires_at);
    return {
      id: str(item.key_id),
      accountId: str(item.account_id),
      keyHash,
      prefix: str(item.prefix),
      scopes: (Array.isArray(item.scopes) ? item.scopes : []) as Scope[],
      ...(name !== undefined ? { name } : {}),
      createdAt: str(item.created_at),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    };
  }
}

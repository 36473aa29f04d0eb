import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { conflict } from '../../domain/errors.js';
import type { Account } from '../../domain/model.js';
import type { AccountRepository } from '../../domain/ports/config-stores.js';
import { isConditionalCheckFailed } from './client.js';
import { itemToAccount } from './config-items.js';
import { accountItemKey } from './keys.js';

/** Accounts in the config table (docs/storage.md): one item per account, `ACCOUNT#<id>` / `#ACCOUNT`. */

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
    return item ? itemToAccount(item) : undefined;
  }
}

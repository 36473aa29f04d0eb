import {
  DeleteCommand,
  GetCommand,
  type LeanDocumentClient,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '../../aws/lean/dynamodb.js';
import {
  type AlertEmailRecord,
  type ConfirmationToken,
  normaliseEmail,
  type QueuedConfirmation,
} from '../../domain/alert-emails.js';
import { notFound } from '../../domain/errors.js';
import type { Account } from '../../domain/model.js';
import type { AlertEmailRepository } from '../../domain/ports/config-stores.js';
import { type Item, str } from './attributes.js';
import { isConditionalCheckFailed } from './client.js';
import { itemToAccount } from './config-items.js';
import {
  ALERT_EMAIL_OUTBOX_PK,
  accountItemKey,
  alertEmailDayKey,
  alertEmailKey,
  alertEmailOutboxKey,
  emailTokenKey,
} from './keys.js';

/**
 * Alert-address confirmations in the config table (docs/storage.md):
 * - `ACCOUNT#<account>` / `ALERTEMAIL#<address>`: the address's status (`pending` | `confirmed`),
 *   when its last confirmation mail was queued, when it was confirmed;
 * - `ALERTEMAIL_OUTBOX` / `<account>#<address>`: a confirmation mail to send (the reconciler
 *   sends and removes it; one small partition, empty most of the time);
 * - `EMAILTOKEN#<sha-256 of the token>` / `#EMAILTOKEN`: what a link confirms, until it expires;
 * - `ACCOUNT#<account>` / `ALERTEMAILDAY#<YYYY-MM-DD>`: `mails`, the account's confirmation mails
 *   that day (bounded).
 * The token itself is never stored. On the account item it writes `alert_emails` (platform-set) and
 * `confirmed_alert_emails` (a string set of link-confirmed addresses).
 */

function itemToRecord(item: Item): AlertEmailRecord {
  const confirmedAt = typeof item.confirmed_at === 'string' ? item.confirmed_at : undefined;
  return {
    accountId: str(item.account_id),
    address: str(item.address),
    status: item.status === 'confirmed' ? 'confirmed' : 'pending',
    requestedAt: str(item.requested_at),
    ...(confirmedAt !== undefined ? { confirmedAt } : {}),
  };
}

export class DynamoAlertEmailRepository implements AlertEmailRepository {
  constructor(
    private readonly doc: LeanDocumentClient,
    private readonly tableName: string,
  ) {}

  async setPlatformAddresses(accountId: string, addresses: readonly string[]): Promise<Account> {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: accountItemKey(accountId),
          UpdateExpression: 'SET alert_emails = :addresses',
          // An account being deleted (account-store.ts) reads as not found here too.
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deleting_at)',
          ExpressionAttributeValues: { ':addresses': [...addresses] },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return itemToAccount(result.Attributes ?? {});
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw notFound('Account');
      throw error;
    }
  }

  async addConfirmed(accountId: string, address: string): Promise<void> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: accountItemKey(accountId),
          UpdateExpression: 'ADD confirmed_alert_emails :address',
          ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(deleting_at)',
          ExpressionAttributeValues: { ':address': new Set([address]) },
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw notFound('Account');
      throw error;
    }
  }

  async get(accountId: string, address: string): Promise<AlertEmailRecord | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: alertEmailKey(accountId, address),
        ConsistentRead: true,
      }),
    );
    return item ? itemToRecord(item) : undefined;
  }

  async requestConfirmation(
    accountId: string,
    address: string,
    displayAddress: string,
    now: string,
    resendBefore: string,
  ): Promise<boolean> {
    let stored: string;
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: alertEmailKey(accountId, address),
          UpdateExpression:
            'SET account_id = :account, address = if_not_exists(address, :address), #status = :pending, requested_at = :now',
          ConditionExpression:
            'attribute_not_exists(pk) OR (#status = :pending AND requested_at < :resendBefore)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: {
            ':account': accountId,
            ':address': displayAddress,
            ':pending': 'pending',
            ':now': now,
            ':resendBefore': resendBefore,
          },
          ReturnValues: 'ALL_NEW',
        }),
      );
      // The spelling first given is where every confirmation mail of the address goes.
      stored = str(result.Attributes?.address) || displayAddress;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
    // After the gate: a crash in between leaves the address pending without a mail until the
    // resend window passes (a lost confirmation, never a second one).
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...alertEmailOutboxKey(accountId, address),
          account_id: accountId,
          address: stored,
          requested_at: now,
        },
      }),
    );
    return true;
  }

  async claimConfirmationSlot(accountId: string, day: string, cap: number): Promise<boolean> {
    if (cap <= 0) return false;
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: alertEmailDayKey(accountId, day),
          UpdateExpression: 'ADD mails :one',
          ConditionExpression: 'attribute_not_exists(mails) OR mails < :cap',
          ExpressionAttributeValues: { ':one': 1, ':cap': cap },
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async listQueued(limit: number): Promise<QueuedConfirmation[]> {
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': ALERT_EMAIL_OUTBOX_PK },
        ConsistentRead: true,
        Limit: limit,
      }),
    );
    return (result.Items ?? [])
      .map((item) => ({
        accountId: str(item.account_id),
        address: str(item.address),
        requestedAt: str(item.requested_at),
      }))
      .sort((a, b) => a.requestedAt.localeCompare(b.requestedAt));
  }

  async claimQueued(entry: QueuedConfirmation): Promise<boolean> {
    try {
      await this.doc.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: alertEmailOutboxKey(entry.accountId, normaliseEmail(entry.address)),
          ConditionExpression: 'attribute_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (isConditionalCheckFailed(error)) return false;
      throw error;
    }
  }

  async requeue(entry: QueuedConfirmation): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...alertEmailOutboxKey(entry.accountId, normaliseEmail(entry.address)),
          account_id: entry.accountId,
          address: entry.address,
          requested_at: entry.requestedAt,
        },
      }),
    );
  }

  async putToken(token: ConfirmationToken): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...emailTokenKey(token.tokenHash),
          account_id: token.accountId,
          address: token.address,
          expires_at: token.expiresAt,
        },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async findToken(tokenHash: string): Promise<ConfirmationToken | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: emailTokenKey(tokenHash), ConsistentRead: true }),
    );
    if (!item) return undefined;
    return {
      tokenHash,
      accountId: str(item.account_id),
      address: str(item.address),
      expiresAt: str(item.expires_at),
    };
  }

  async confirm(accountId: string, address: string, now: string): Promise<AlertEmailRecord | undefined> {
    try {
      const result = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: alertEmailKey(accountId, address),
          UpdateExpression: 'SET #status = :confirmed, confirmed_at = if_not_exists(confirmed_at, :now)',
          ConditionExpression: 'attribute_exists(pk)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':confirmed': 'confirmed', ':now': now },
          ReturnValues: 'ALL_NEW',
        }),
      );
      return itemToRecord(result.Attributes ?? {});
    } catch (error) {
      if (isConditionalCheckFailed(error)) return undefined;
      throw error;
    }
  }
}

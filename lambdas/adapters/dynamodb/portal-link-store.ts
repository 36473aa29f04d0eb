import { GetCommand, type LeanDocumentClient, PutCommand, UpdateCommand } from '../../aws/lean/dynamodb.js';
import { conflict } from '../../domain/errors.js';
import { PORTAL_LINK_RECORD_KEPT_SECONDS, type PortalLink } from '../../domain/portal.js';
import type { PortalLinkRedemption, PortalLinkRepository } from '../../domain/ports/portal-links.js';
import { type Item, optionalStr, str } from './attributes.js';
import { epochSeconds, isConditionalCheckFailed } from './client.js';
import { portalLinkKey, type TableKey } from './keys.js';

/**
 * One-time portal links in the config table, by the hash of their token (docs/storage.md): the
 * token itself is never stored. `purge_at` is the config table's TTL attribute.
 */
export class DynamoPortalLinkRepository implements PortalLinkRepository {
  constructor(
    private readonly doc: LeanDocumentClient,
    private readonly tableName: string,
  ) {}

  async create(link: PortalLink): Promise<void> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...portalLinkKey(link.tokenHash),
            account_id: link.accountId,
            read_only: link.readOnly,
            ...(link.primaryColor === undefined ? {} : { primary_color: link.primaryColor }),
            ...(link.productName === undefined ? {} : { product_name: link.productName }),
            link_expires_at: link.linkExpiresAt,
            session_expires_at: link.sessionExpiresAt,
            created_at: link.createdAt,
            purge_at: epochSeconds(new Date(link.linkExpiresAt)) + PORTAL_LINK_RECORD_KEPT_SECONDS,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
    } catch (error) {
      if (isConditionalCheckFailed(error)) throw conflict('Portal link already exists');
      throw error;
    }
  }

  async redeem(tokenHash: string, now: Date): Promise<PortalLinkRedemption> {
    const key = portalLinkKey(tokenHash);
    try {
      const { Attributes: item } = await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key,
          UpdateExpression: 'SET used_at = :now',
          // ISO times of one format compare as strings.
          ConditionExpression:
            'attribute_exists(pk) AND attribute_not_exists(used_at) AND link_expires_at > :now',
          ExpressionAttributeValues: { ':now': now.toISOString() },
          ReturnValues: 'ALL_NEW',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return { outcome: 'redeemed', link: itemToLink(tokenHash, item ?? {}) };
    } catch (error) {
      if (!isConditionalCheckFailed(error)) throw error;
      // DynamoDB hands the old item back; the engine used locally does not, so it is read then (the
      // race is decided already: only whether the link exists is asked).
      const existed = (error as { Item?: unknown }).Item !== undefined || (await this.exists(key));
      return existed ? { outcome: 'used_or_expired' } : { outcome: 'not_found' };
    }
  }

  private async exists(key: TableKey): Promise<boolean> {
    const { Item: item } = await this.doc.send(
      new GetCommand({
        TableName: this.tableName,
        Key: key,
        ConsistentRead: true,
        ProjectionExpression: 'pk',
      }),
    );
    return item !== undefined;
  }
}

function itemToLink(tokenHash: string, item: Item): PortalLink {
  const primaryColor = optionalStr(item.primary_color);
  const productName = optionalStr(item.product_name);
  return {
    tokenHash,
    accountId: str(item.account_id),
    readOnly: item.read_only === true,
    ...(primaryColor === undefined ? {} : { primaryColor }),
    ...(productName === undefined ? {} : { productName }),
    linkExpiresAt: str(item.link_expires_at),
    sessionExpiresAt: str(item.session_expires_at),
    createdAt: str(item.created_at),
  };
}

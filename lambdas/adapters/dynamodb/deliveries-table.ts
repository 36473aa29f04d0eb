import {
  GetCommand,
  type LeanDocumentClient,
  unmarshallItem,
  type WireItem,
} from '../../aws/lean/dynamodb.js';
import type { Item } from './attributes.js';
import { epochSeconds, isLive } from './client.js';
import type { TableKey } from './keys.js';

/**
 * The deliveries table (docs/storage.md): events, idempotency claims, deliveries with their
 * attempts, history purges, per-webhook stats, one store each. Items expire through TTL on
 * `expires_at`; as neither dynalite nor DynamoDB (promptly) deletes expired items, every read treats
 * them as absent.
 */

export interface DeliveryStoreOptions {
  /** How long events, deliveries and their attempts are kept. */
  readonly retentionDays: number;
  readonly clock?: () => Date;
  /**
   * Also index a new pending delivery in the `due` GSI (by its nextAttemptAt), so the reconciler
   * finds first attempts whose queue message was lost (the local runtime's in-memory queue after a
   * crash). Off by default: it costs index writes on the happy path (docs/storage.md, write budget).
   */
  readonly indexFirstAttempt?: boolean;
}

export const DAY_SECONDS = 86_400;

/** The item a failed conditional write carried back (real DynamoDB), if any. */
export function oldItemOf(error: unknown): Item | undefined {
  // The lean client copies the error body's fields onto the error, marshalled, as the SDK does.
  const item = (error as { Item?: WireItem }).Item;
  return item ? unmarshallItem(item) : undefined;
}

/** What the stores of the deliveries table share: the client, the clock and the retention. */
export abstract class DeliveriesTable {
  protected readonly clock: () => Date;

  constructor(
    protected readonly doc: LeanDocumentClient,
    protected readonly tableName: string,
    protected readonly options: DeliveryStoreOptions,
  ) {
    this.clock = options.clock ?? (() => new Date());
  }

  protected nowSeconds(): number {
    return epochSeconds(this.clock());
  }

  protected expiresAt(): number {
    return this.nowSeconds() + Math.round(this.options.retentionDays * DAY_SECONDS);
  }

  /** A live item by key (strongly consistent unless told), or undefined when absent or expired. */
  protected async getLive(key: TableKey, consistent = true): Promise<Item | undefined> {
    const { Item: item } = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: consistent }),
    );
    return item && isLive(item, this.nowSeconds()) ? item : undefined;
  }
}

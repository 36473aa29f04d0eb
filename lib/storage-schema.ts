/**
 * The tables' key schemas as plain data: the CDK construct builds the real tables from it, and the
 * local runtime and the integration tests create the same tables in dynalite from it. One source,
 * so AWS and the laptop cannot drift apart. No CDK imports here. Layout: docs/storage.md.
 */
export interface IndexSchema {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
  /**
   * What the index holds besides the keys: `ALL` attributes (the default), or `KEYS_ONLY` (then an
   * update of the item that changes no key attribute writes nothing to the index).
   */
  readonly projection?: 'ALL' | 'KEYS_ONLY';
}

export interface TableSchema {
  readonly partitionKey: string;
  readonly sortKey: string;
  readonly timeToLiveAttribute?: string;
  readonly globalSecondaryIndexes: readonly IndexSchema[];
}

export const CONFIG_TABLE: TableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  // Only portal links and session keys carry it (epoch seconds): configuration never expires.
  timeToLiveAttribute: 'purge_at',
  // One index (CloudFormation adds one GSI per table per update). Keyed on `sk` and `account_id`,
  // which account and API key items always had, so DynamoDB fills it for existing items on the
  // upgrade. Keys only: a `last_used_at` or `webhook_count` update writes nothing to it.
  globalSecondaryIndexes: [
    { indexName: 'account_items', partitionKey: 'sk', sortKey: 'account_id', projection: 'KEYS_ONLY' },
  ],
};

/** The config table's index names (docs/storage.md). */
export const CONFIG_INDEX = { accountItems: 'account_items' } as const;

export const DELIVERIES_TABLE: TableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expires_at',
  globalSecondaryIndexes: [
    { indexName: 'failed', partitionKey: 'failed_pk', sortKey: 'failed_sk' },
    { indexName: 'due', partitionKey: 'due_pk', sortKey: 'due_sk' },
  ],
};

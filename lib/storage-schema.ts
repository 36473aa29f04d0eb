/**
 * The tables' key schemas as plain data: the CDK construct builds the real tables from it, and the
 * local runtime and the integration tests create the same tables in dynalite from it. One source,
 * so AWS and the laptop cannot drift apart. No CDK imports here. Layout: docs/storage.md.
 */
export interface IndexSchema {
  readonly indexName: string;
  readonly partitionKey: string;
  readonly sortKey: string;
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
  globalSecondaryIndexes: [],
};

export const DELIVERIES_TABLE: TableSchema = {
  partitionKey: 'pk',
  sortKey: 'sk',
  timeToLiveAttribute: 'expires_at',
  globalSecondaryIndexes: [
    { indexName: 'failed', partitionKey: 'failed_pk', sortKey: 'failed_sk' },
    { indexName: 'due', partitionKey: 'due_pk', sortKey: 'due_sk' },
  ],
};

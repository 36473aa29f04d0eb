import { mkdtemp } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTableCommand, DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { DynamoAccountRepository } from '../../lambdas/adapters/dynamodb/account-store.js';
import { DynamoApiKeyRepository } from '../../lambdas/adapters/dynamodb/api-key-store.js';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb/client.js';
import { createTableInput } from '../../lambdas/adapters/dynamodb/tables.js';
import { PutCommand } from '../../lambdas/aws/lean/dynamodb.js';
import { LOCAL_TABLES } from '../../lambdas/local/options.js';
import { CONFIG_TABLE, DELIVERIES_TABLE } from '../../lib/storage-schema.js';
import { anAccount, anApiKey } from './factories.js';

/**
 * A data directory as an older version left it (main's schema: a config table without the
 * `account_items` index), filled with accounts, keys and usage days: what an upgrade must keep.
 */

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: { path: string; [option: string]: unknown }) => Server;

/** dynalite on `directory`, as the local runtime opens it, without ensureTables. */
export async function openRaw(directory: string) {
  const server = dynalite({ path: directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1' });
  const doc = createDocumentClient({ endpoint, region: 'us-east-1' });
  return {
    client,
    doc,
    close: async () => {
      client.destroy();
      doc.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A data directory with main's tables (no config index) holding accounts, keys and other items. */
export async function anOldDataDirectory(root?: string) {
  // The local runtime keeps dynalite's files in <data dir>/dynamodb.
  const dataDir = root ?? (await mkdtemp(join(tmpdir(), 'webhooks-upgrade-')));
  const directory = join(dataDir, 'dynamodb');
  const raw = await openRaw(directory);
  await raw.client.send(
    new CreateTableCommand(
      createTableInput(LOCAL_TABLES.config, { ...CONFIG_TABLE, globalSecondaryIndexes: [] }),
    ),
  );
  await raw.client.send(new CreateTableCommand(createTableInput(LOCAL_TABLES.deliveries, DELIVERIES_TABLE)));
  const doc = raw.doc;
  const accounts = [anAccount(), anAccount(), anAccount({ plan: 'scale' })];
  for (const account of accounts) await new DynamoAccountRepository(doc, LOCAL_TABLES.config).create(account);
  const keys = [anApiKey({ accountId: accounts[0]!.id }), anApiKey({ accountId: accounts[0]!.id })];
  for (const key of keys) await new DynamoApiKeyRepository(doc, LOCAL_TABLES.config).create(key);
  for (let day = 1; day <= 30; day++) {
    const date = `2026-02-${String(day).padStart(2, '0')}`;
    await doc.send(
      new PutCommand({
        TableName: LOCAL_TABLES.config,
        Item: { pk: `ACCOUNT#${accounts[1]!.id}`, sk: `USAGE#${date}`, events: day },
      }),
    );
  }
  const before = await itemsOf(raw.client, LOCAL_TABLES.config);
  await raw.close();
  return { dataDir, directory, accounts, keys, before };
}

export async function itemsOf(client: DynamoDBClient, tableName: string) {
  const items: unknown[] = [];
  let start: Record<string, never> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ...(start ? { ExclusiveStartKey: start } : {}) }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey as Record<string, never> | undefined;
  } while (start);
  const key = (item: unknown) => JSON.stringify(item);
  return items.sort((a, b) => (key(a) < key(b) ? -1 : 1));
}

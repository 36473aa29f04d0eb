import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CreateTableCommand,
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import { PutCommand } from '@aws-sdk/lib-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoAccountRepository } from '../../lambdas/adapters/dynamodb/account-store.js';
import { DynamoApiKeyRepository } from '../../lambdas/adapters/dynamodb/api-key-store.js';
import { documentClientFor } from '../../lambdas/adapters/dynamodb/client.js';
import {
  createTableInput,
  ensureTables,
  REBUILD_STEPS,
  type RebuildStep,
} from '../../lambdas/adapters/dynamodb/tables.js';
import { startDynamoDb } from '../../lambdas/local/engines.js';
import { LOCAL_TABLES } from '../../lambdas/local/options.js';
import { CONFIG_TABLE, DELIVERIES_TABLE } from '../../lib/storage-schema.js';
import { anAccount, anApiKey } from '../support/factories.js';

/**
 * A data directory made by an older version (main's schema: a config table without the
 * `account_items` index), opened by this one: dynalite cannot add an index, so ensureTables
 * rebuilds the table, and a crash after any step of the rebuild is finished on the next start.
 */

const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: { path: string; [option: string]: unknown }) => Server;

const NOW = new Date('2026-03-01T12:00:00.000Z');
const directories: string[] = [];

afterEach(async () => {
  await Promise.all(
    directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })),
  );
});

/** dynalite on `directory`, as the local runtime opens it, without ensureTables. */
async function openRaw(directory: string) {
  const server = dynalite({ path: directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const client = new DynamoDBClient({
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    region: 'us-east-1',
  });
  return {
    client,
    close: async () => {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A directory with main's tables (no config index) holding accounts, keys and other items. */
async function anOldDirectory() {
  const directory = await mkdtemp(join(tmpdir(), 'webhooks-upgrade-'));
  directories.push(directory);
  const raw = await openRaw(directory);
  await raw.client.send(
    new CreateTableCommand(
      createTableInput(LOCAL_TABLES.config, { ...CONFIG_TABLE, globalSecondaryIndexes: [] }),
    ),
  );
  await raw.client.send(new CreateTableCommand(createTableInput(LOCAL_TABLES.deliveries, DELIVERIES_TABLE)));
  const doc = documentClientFor(raw.client);
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
  return { directory, accounts, keys, before };
}

async function itemsOf(client: DynamoDBClient, tableName: string) {
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

/** Opens the directory with this version's local runtime engine and checks everything is there. */
async function expectUpgraded(old: Awaited<ReturnType<typeof anOldDirectory>>) {
  const dynamo = await startDynamoDb(old.directory);
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1' });
  try {
    const doc = documentClientFor(client);
    const { Table } = await client.send(new DescribeTableCommand({ TableName: LOCAL_TABLES.config }));
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual(['account_items']);
    expect(await itemsOf(client, LOCAL_TABLES.config)).toEqual(old.before);
    const tables = await client.send(new ListTablesCommand({}));
    expect(tables.TableNames?.sort()).toEqual([LOCAL_TABLES.config, LOCAL_TABLES.deliveries].sort());
    const listed = await new DynamoAccountRepository(doc, LOCAL_TABLES.config).list({ limit: 10 });
    expect(listed.items.map((account) => account.id).sort()).toEqual(
      old.accounts.map((account) => account.id).sort(),
    );
    const keys = await new DynamoApiKeyRepository(doc, LOCAL_TABLES.config).listForAccount(
      old.accounts[0]!.id,
      { limit: 10 },
      NOW,
    );
    expect(keys.items.map((key) => key.id).sort()).toEqual(old.keys.map((key) => key.id).sort());
  } finally {
    client.destroy();
    await dynamo.stop();
  }
}

describe('opening a data directory made before the account_items index', () => {
  it('keeps every item, adds the index and fills it', async () => {
    // Prepare
    const old = await anOldDirectory();

    // Act + Assess
    await expectUpgraded(old);
  }, 60_000);

  it.each(REBUILD_STEPS.map((step) => [step]))(
    'finishes on the next start after a crash right after %s',
    async (step: RebuildStep) => {
      // Prepare
      const old = await anOldDirectory();
      const raw = await openRaw(old.directory);

      // Act
      const crash = ensureTables(raw.client, LOCAL_TABLES, { crashAfter: step });

      // Assess
      await expect(crash).rejects.toThrow(`crash injected after ${step}`);
      await raw.close();
      await expectUpgraded(old);
    },
    60_000,
  );

  it('upgrades once: a second start changes nothing', async () => {
    // Prepare
    const old = await anOldDirectory();
    await expectUpgraded(old);

    // Act + Assess
    await expectUpgraded(old);
  }, 60_000);
});

import { rm } from 'node:fs/promises';
import { DescribeTableCommand, DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { afterEach, describe, expect, it } from 'vitest';
import { DynamoAccountRepository } from '../../lambdas/adapters/dynamodb/account-store.js';
import { DynamoApiKeyRepository } from '../../lambdas/adapters/dynamodb/api-key-store.js';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb/client.js';
import { ensureTables, REBUILD_STEPS, type RebuildStep } from '../../lambdas/adapters/dynamodb/tables.js';
import { startDynamoDb } from '../../lambdas/local/engines.js';
import { LOCAL_TABLES } from '../../lambdas/local/options.js';
import { anOldDataDirectory, itemsOf, openRaw } from '../support/old-data-directory.js';

/**
 * A data directory made by an older version (main's schema: a config table without the
 * `account_items` index), opened by this one: dynalite cannot add an index, so ensureTables
 * rebuilds the table, and a crash after any step of the rebuild is finished on the next start.
 */

const NOW = new Date('2026-03-01T12:00:00.000Z');
const directories: string[] = [];

afterEach(async () => {
  await Promise.all(
    directories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })),
  );
});

/** An old data directory, removed after the test. */
async function anOldDirectory() {
  const old = await anOldDataDirectory();
  directories.push(old.dataDir);
  return old;
}

/** Opens the directory with this version's local runtime engine and checks everything is there. */
async function expectUpgraded(old: Awaited<ReturnType<typeof anOldDirectory>>) {
  const dynamo = await startDynamoDb(old.directory);
  const client = new DynamoDBClient({ endpoint: dynamo.endpoint, region: 'us-east-1' });
  const doc = createDocumentClient({ endpoint: dynamo.endpoint, region: 'us-east-1' });
  try {
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
    doc.destroy();
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

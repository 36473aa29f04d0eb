import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { DeleteTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createDocumentClient } from '../../lambdas/adapters/dynamodb/client.js';
import { ensureTables } from '../../lambdas/adapters/dynamodb/tables.js';
import type { LeanDocumentClient } from '../../lambdas/aws/lean/dynamodb.js';
import type { RuntimeConfig } from '../../lambdas/config.js';
import { measureItemsLikeDynamoDb } from '../../lambdas/local/dynalite-item-size.js';

/**
 * A DynamoDB for integration tests: dynalite in memory by default, or the engine at
 * DYNAMODB_ENDPOINT (DynamoDB Local, or real DynamoDB) with tables unique to this call.
 */

export interface TestDynamo {
  readonly endpoint: string;
  readonly doc: LeanDocumentClient;
  readonly client: DynamoDBClient;
  readonly tables: { config: string; deliveries: string };
  stop(): Promise<void>;
}

interface DynaliteOptions {
  createTableMs?: number;
  deleteTableMs?: number;
  updateTableMs?: number;
  path?: string;
}

// dynalite ships no type declarations; load it through require with the one signature we use.
const require = createRequire(import.meta.url);
const dynalite = require('dynalite') as (options: DynaliteOptions) => Server;

export async function startDynamo(): Promise<TestDynamo> {
  const external = process.env.DYNAMODB_ENDPOINT;
  if (external) {
    const suffix = randomBytes(4).toString('hex');
    const tables = { config: `test-config-${suffix}`, deliveries: `test-deliveries-${suffix}` };
    const client = new DynamoDBClient({ endpoint: external, region: process.env.AWS_REGION ?? 'us-east-1' });
    await ensureTables(client, tables);
    const doc = createDocumentClient({ endpoint: external, region: process.env.AWS_REGION ?? 'us-east-1' });
    return {
      endpoint: external,
      client,
      doc,
      tables,
      async stop() {
        await Promise.allSettled(
          [tables.config, tables.deliveries].map((TableName) =>
            client.send(new DeleteTableCommand({ TableName })),
          ),
        );
        client.destroy();
        doc.destroy();
      },
    };
  }

  // As the local runtime does: items measured in UTF-8 bytes, DynamoDB's 400 KB limit enforced.
  measureItemsLikeDynamoDb();
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const tables = { config: 'config', deliveries: 'deliveries' };
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1' });
  await ensureTables(client, tables);
  const doc = createDocumentClient({ endpoint, region: 'us-east-1' });
  return {
    endpoint,
    client,
    doc,
    tables,
    async stop() {
      client.destroy();
      doc.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}

/** The service configuration of a test wired to `dynamo` (local rules: http and private targets allowed). */
export function dynamoConfig(dynamo: TestDynamo, overrides: Partial<RuntimeConfig> = {}): RuntimeConfig {
  return {
    configTableName: dynamo.tables.config,
    deliveriesTableName: dynamo.tables.deliveries,
    retentionDays: 30,
    allowHttpTargets: true,
    allowPrivateTargets: true,
    dynamoDbEndpoint: dynamo.endpoint,
    region: 'us-east-1',
    ...overrides,
  };
}

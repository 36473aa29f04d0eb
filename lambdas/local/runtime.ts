import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { startFauxqs } from 'fauxqs';
import { ensureTables } from '../adapters/dynamodb/tables.js';
import { fileKey } from '../adapters/secret-cipher.js';
import { createAdminHandler } from '../admin-api.js';
import { createAuthorizer } from '../authorizer.js';
import { allPorts, createDependencies, type RuntimeConfig } from '../composition.js';
import { createDeliverHandler } from '../deliver.js';
import { DomainError } from '../domain/errors.js';
import { hashApiKey, newApiKey } from '../domain/ids.js';
import { TENANT_SCOPES } from '../domain/model.js';
import type { HostResolver } from '../domain/ports.js';
import { createFanoutHandler } from '../fanout.js';
import { createManagementHandler } from '../management-api.js';
import { createPublishHandler } from '../publish-api.js';
import type { Dependencies } from '../services/dependencies.js';
import { requeueOverdue } from '../services/reconcile.js';
import { createApiGatewayTwin } from './api-gateway.js';
import { DEMO_EVENT_TYPES } from './demo-catalog.js';
import { putEvents } from './event-bus.js';
import { type SqsHandler, SqsPoller } from './sqs-poller.js';

/**
 * `npm start`: the whole service in one process. The same handlers as in Lambda, wired to local
 * twins: dynalite (persisted in the data directory) for DynamoDB, fauxqs for SQS with the stack's
 * queue settings, an HTTP server for API Gateway and the EventBridge PutEvents API, a key file for
 * Secrets Manager, and timers for the schedules.
 */

/** The queue settings of the synthesized stack (lib/local-topology.ts). */
export interface QueueTopology {
  readonly queues: readonly {
    readonly name: string;
    readonly visibilityTimeoutSeconds: number;
    readonly messageRetentionSeconds: number;
    readonly redrive?: { readonly deadLetterQueue: string; readonly maxReceiveCount: number };
  }[];
  readonly roles: {
    readonly ingest: string;
    readonly ingestDlq: string;
    readonly delivery: string;
    readonly deliveryDlq: string;
    readonly parked: string;
  };
}

export interface LocalRuntimeOptions {
  readonly topology: QueueTopology;
  readonly dataDir: string;
  readonly port?: number;
  readonly host?: string;
  readonly apiKey?: string;
  readonly adminToken?: string;
  readonly allowPrivateTargets?: boolean;
  /** Plain-http endpoint URLs; on by default locally (receivers on a laptop rarely have TLS). */
  readonly allowHttpTargets?: boolean;
  /** Overrides every queue's visibility timeout (tests: crashed batches come back quickly). */
  readonly visibilityTimeoutSeconds?: number;
  readonly deliveryConcurrency?: number;
  readonly reconcileIntervalMs?: number;
  readonly retentionDays?: number;
  /** Injected DNS for tests (DNS rebinding). */
  readonly resolve?: HostResolver;
  readonly log?: (line: string) => void;
  /** Fault injection for tests: wraps the delivery consumer (e.g. to crash mid-batch). */
  readonly wrapDeliverHandler?: (handler: SqsHandler) => SqsHandler;
}

export interface LocalRuntime {
  readonly url: string;
  readonly apiKey: string;
  readonly adminToken: string;
  readonly accountId: string;
  readonly dependencies: Dependencies;
  readonly queueUrls: Record<keyof QueueTopology['roles'], string>;
  readonly sqs: SQSClient;
  /** The bound endpoint the real EventBridge SDK client can be pointed at. */
  readonly eventBridgeEndpoint: string;
  stop(): Promise<void>;
}

export const LOCAL_ACCOUNT_ID = 'acc_local';

async function loadOrCreateMasterKey(dataDir: string): Promise<string> {
  const path = join(dataDir, 'master.key');
  if (!existsSync(path)) await writeFile(path, randomBytes(32).toString('base64'), { mode: 0o600 });
  return path;
}

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

async function createQueues(sqs: SQSClient, topology: QueueTopology, visibilityOverride?: number) {
  const urls: Record<string, string> = {};
  const arns: Record<string, string> = {};
  // Dead-letter queues first: the others' redrive policies point at them.
  const ordered = [...topology.queues].sort(
    (a, b) => Number(Boolean(a.redrive)) - Number(Boolean(b.redrive)),
  );
  for (const queue of ordered) {
    const attributes: Record<string, string> = {
      VisibilityTimeout: String(visibilityOverride ?? queue.visibilityTimeoutSeconds),
      MessageRetentionPeriod: String(queue.messageRetentionSeconds),
    };
    if (queue.redrive) {
      attributes.RedrivePolicy = JSON.stringify({
        deadLetterTargetArn: arns[queue.redrive.deadLetterQueue],
        maxReceiveCount: String(queue.redrive.maxReceiveCount),
      });
    }
    const created = await sqs.send(new CreateQueueCommand({ QueueName: queue.name, Attributes: attributes }));
    const url = created.QueueUrl ?? '';
    const described = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ['QueueArn'] }),
    );
    urls[queue.name] = url;
    arns[queue.name] = described.Attributes?.QueueArn ?? '';
  }
  return { urls, arns };
}

async function ignoreConflict(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof DomainError && error.code === 'conflict')) throw error;
  }
}

async function bootstrap(deps: Dependencies, apiKey: string): Promise<void> {
  const now = new Date().toISOString();
  await ignoreConflict(() =>
    deps.accounts.create({ id: LOCAL_ACCOUNT_ID, name: 'Local account', plan: 'enterprise', createdAt: now }),
  );
  const keyHash = hashApiKey(apiKey);
  if (!(await deps.apiKeys.findByHash(keyHash))) {
    await deps.apiKeys.create({
      id: `key_local${keyHash.slice(0, 8)}`,
      accountId: LOCAL_ACCOUNT_ID,
      keyHash,
      prefix: apiKey.slice(0, 10),
      scopes: [...TENANT_SCOPES],
      name: 'local',
      createdAt: now,
    });
  }
  for (const eventType of DEMO_EVENT_TYPES) {
    if (!(await deps.eventTypes.get(eventType.name)))
      await deps.eventTypes.put({ ...eventType, updatedAt: now });
  }
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  const host = options.host ?? '127.0.0.1';
  await mkdir(join(options.dataDir, 'dynamodb'), { recursive: true });
  const masterKeyPath = await loadOrCreateMasterKey(options.dataDir);

  const dynamo = dynalite({
    path: join(options.dataDir, 'dynamodb'),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const dynamoPort = await listen(dynamo, 0, '127.0.0.1');
  const dynamoDbEndpoint = `http://127.0.0.1:${dynamoPort}`;
  const tables = { config: 'webhooks-config', deliveries: 'webhooks-deliveries' };
  await ensureTables(new DynamoDBClient({ endpoint: dynamoDbEndpoint, region: 'us-east-1' }), tables);

  const fauxqs = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
  const sqsEndpoint = fauxqs.address;
  const sqs = new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1' });
  const { urls, arns } = await createQueues(sqs, options.topology, options.visibilityTimeoutSeconds);
  const roles = options.topology.roles;
  const queueUrls = {
    ingest: urls[roles.ingest] ?? '',
    ingestDlq: urls[roles.ingestDlq] ?? '',
    delivery: urls[roles.delivery] ?? '',
    deliveryDlq: urls[roles.deliveryDlq] ?? '',
    parked: urls[roles.parked] ?? '',
  };

  const server = createServer();
  const port = await listen(server, options.port ?? 3000, host);
  const url = `http://${host}:${port}`;

  const config: RuntimeConfig = {
    configTableName: tables.config,
    deliveriesTableName: tables.deliveries,
    deliveryQueueUrl: queueUrls.delivery,
    parkedQueueUrl: queueUrls.parked,
    eventBusName: 'webhooks-local',
    retentionDays: options.retentionDays ?? 30,
    allowHttpTargets: options.allowHttpTargets ?? true,
    allowPrivateTargets: options.allowPrivateTargets ?? true,
    dynamoDbEndpoint,
    sqsEndpoint,
    eventBridgeEndpoint: url,
    masterKey: fileKey(masterKeyPath),
    region: 'us-east-1',
    resolve: options.resolve,
    indexFirstAttempts: true,
  };
  const deps = createDependencies(config, allPorts());
  const provider = () => deps;
  const adminToken = options.adminToken ?? randomBytes(24).toString('base64url');

  server.on(
    'request',
    createApiGatewayTwin({
      authorizer: createAuthorizer(provider),
      adminToken,
      management: createManagementHandler(provider),
      publish: createPublishHandler(provider),
      admin: createAdminHandler(provider),
      awsJson: async (target, body) =>
        target === 'AWSEvents.PutEvents'
          ? putEvents(body, sqs, queueUrls.ingest)
          : { status: 400, body: { __type: 'UnknownOperationException', message: `Unsupported: ${target}` } },
    }),
  );
  const apiKey = options.apiKey ?? newApiKey();
  await bootstrap(deps, apiKey);

  const onError = (error: unknown) => log(`consumer error: ${String(error)}`);
  const wrapDeliver = options.wrapDeliverHandler ?? ((handler: SqsHandler) => handler);
  const pollers = [
    new SqsPoller(sqs, queueUrls.ingest, arns[roles.ingest] ?? '', createFanoutHandler(provider), {
      concurrency: 1,
      onError,
    }),
    new SqsPoller(
      sqs,
      queueUrls.delivery,
      arns[roles.delivery] ?? '',
      wrapDeliver(createDeliverHandler(provider)),
      {
        concurrency: options.deliveryConcurrency ?? 4,
        onError,
      },
    ),
  ];
  for (const poller of pollers) poller.start();

  const reconcile = async (graceMs?: number) => {
    try {
      const requeued = await requeueOverdue(deps, graceMs);
      if (requeued > 0) log(`reconciler re-queued ${requeued} overdue deliveries`);
    } catch (error) {
      log(`reconciler failed: ${String(error)}`);
    }
  };
  // The queues are new and empty at start: everything DynamoDB still calls pending is re-queued now.
  await reconcile(0);
  const reconcileTimer = setInterval(() => reconcile(), options.reconcileIntervalMs ?? 60_000);
  reconcileTimer.unref();

  return {
    url,
    apiKey,
    adminToken,
    accountId: LOCAL_ACCOUNT_ID,
    dependencies: deps,
    queueUrls,
    sqs,
    eventBridgeEndpoint: url,
    stop: async () => {
      clearInterval(reconcileTimer);
      await Promise.all(pollers.map((poller) => poller.stop()));
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await fauxqs.stop();
      await new Promise((resolve) => dynamo.close(resolve));
    },
  };
}

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { ensureTables } from '../adapters/dynamodb/tables.js';
import { FileOpsNotifier, OutboxMailer } from '../adapters/local-outbox.js';
import { fileKey } from '../adapters/secret-cipher.js';
import { createAdminHandler } from '../admin-api.js';
import { createAuthorizer } from '../authorizer.js';
import { allPorts, createDependencies } from '../composition.js';
import type { ClientInstrument, InstrumentableClient, RuntimeConfig } from '../config.js';
import { createDeliverHandler } from '../deliver.js';
import { DomainError } from '../domain/errors.js';
import { hashApiKey, newApiKey } from '../domain/ids.js';
import { TENANT_SCOPES } from '../domain/model.js';
import { type PlanLimitOverrides, withPlanLimitOverrides } from '../domain/plans.js';
import type { HostResolver } from '../domain/ports.js';
import { createEscalationHandler } from '../escalation.js';
import { createFanoutHandler } from '../fanout.js';
import { createManagementHandler } from '../management-api.js';
import { createPublishHandler } from '../publish-api.js';
import { createReconcilerHandler } from '../reconciler.js';
import type { Dependencies } from '../services/dependencies.js';
import { createApiGatewayTwin } from './api-gateway.js';
import { DEMO_EVENT_TYPES } from './demo-catalog.js';
import { measureItemsLikeDynamoDb } from './dynalite-item-size.js';
import { LocalEventBus } from './event-bus.js';
import { withLocalReceiver } from './local-receiver.js';
import { startSqsEngine } from './sqs-engine.js';
import { type SqsHandler, SqsPoller } from './sqs-poller.js';
import { LocalEscalationStateMachine, type LocalExecution } from './step-functions.js';

/**
 * `npm start`: the whole service in one process. The same handlers as in Lambda, wired to local
 * twins: dynalite (persisted in the data directory) for DynamoDB, fauxqs for SQS with the stack's
 * queue settings, an HTTP server for API Gateway and the EventBridge PutEvents API, a key file for
 * Secrets Manager, timers for the schedules, the synthesized escalation state machine run by
 * aws-local-stepfunctions, and files for SES (`<data dir>/outbox/`) and SNS
 * (`<data dir>/ops-topic.jsonl`).
 */

/** The queue settings of the synthesized stack (lib/local-topology.ts). */
export interface QueueTopology {
  readonly queues: readonly {
    readonly name: string;
    readonly visibilityTimeoutSeconds: number;
    readonly messageRetentionSeconds: number;
    readonly maximumMessageSizeBytes: number;
    readonly redrive?: { readonly deadLetterQueue: string; readonly maxReceiveCount: number };
  }[];
  readonly roles: {
    readonly ingest: string;
    readonly ingestDlq: string;
    readonly delivery: string;
    readonly deliveryDlq: string;
    readonly parked: string;
  };
  /** Each function's configured timeout, by function name (`management-api`, …). */
  readonly functions: Readonly<Record<string, { readonly timeoutSeconds: number }>>;
  /** The deployed functions' endpoint-URL policy (WEBHOOKS_ALLOW_PRIVATE_TARGETS=false applies it). */
  readonly targetPolicy: { readonly allowHttpTargets: boolean; readonly allowPrivateTargets: boolean };
  /** The escalation state machine of the synthesized stack. */
  readonly escalation: {
    readonly definition: Record<string, unknown>;
    readonly escalationTaskArn: string;
    readonly defaultWaitSeconds: number;
  };
}

export interface LocalRuntimeOptions {
  readonly topology: QueueTopology;
  readonly dataDir: string;
  readonly port?: number;
  readonly host?: string;
  readonly apiKey?: string;
  readonly adminToken?: string;
  /**
   * Loopback/private targets; on by default locally. `false` applies the deployed URL policy
   * (the topology's `targetPolicy`: https only, no private targets) unless `allowHttpTargets` says
   * otherwise, as `WEBHOOKS_ALLOW_PRIVATE_TARGETS=false` documents.
   */
  readonly allowPrivateTargets?: boolean;
  /**
   * Plain-http endpoint URLs; on by default locally (receivers on a laptop rarely have TLS), as
   * deployed when private targets are disallowed.
   */
  readonly allowHttpTargets?: boolean;
  /** Overrides every queue's visibility timeout (tests: crashed batches come back quickly). */
  readonly visibilityTimeoutSeconds?: number;
  readonly deliveryConcurrency?: number;
  /**
   * Index first attempts in the `due` index so a restart finds jobs its in-memory queues lost
   * (docs/storage.md). The bench turns it off to measure what AWS does.
   * @default true
   */
  readonly indexFirstAttempts?: boolean;
  readonly reconcileIntervalMs?: number;
  /**
   * How often queued alert-address confirmation mails are sent (in AWS the reconciler sends them,
   * every 5 minutes); locally sooner, so a confirmation mail shows up in the outbox at once.
   * @default 1000
   */
  readonly confirmationSweepIntervalMs?: number;
  readonly retentionDays?: number;
  /** Plan quotas over the seed's defaults (the construct's `planLimits`). */
  readonly planLimits?: PlanLimitOverrides;
  /** Injected DNS for tests (DNS rebinding). */
  readonly resolve?: HostResolver;
  readonly log?: (line: string) => void;
  /** Sees every SDK client the handlers use (the bench counts AWS calls with it). */
  readonly instrument?: ClientInstrument;
  /** Sees the runtime's own SQS client: the twin of Lambda's pollers and EventBridge's rule target. */
  readonly instrumentPlatform?: ClientInstrument;
  /**
   * The escalation wait (the deployed default is the stack's, 72 h); bin/local.ts reads
   * WEBHOOKS_ESCALATION_WAIT_SECONDS.
   */
  readonly escalationWaitSeconds?: number;
  /** How long an endpoint must stay healthy before its episode closes (default 10 minutes). */
  readonly recoveryCooldownSeconds?: number;
  /** Alert mails one endpoint may send per UTC day (default 3). */
  readonly alertEmailsPerDay?: number;
  /** Overrides the API functions' timeouts of the topology, in ms (tests: short ones). */
  readonly functionTimeoutsMs?: Partial<Record<ApiFunctionName, number>>;
  /** Overrides API Gateway's 29 s integration timeout (tests). */
  readonly integrationTimeoutMs?: number;
  /** Awaited after the server listens (answering 503), before the bootstrap (tests: requests meanwhile). */
  readonly beforeBootstrap?: (url: string) => Promise<void>;
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
  /** The local engines and tables, for tools that run handlers in another process (the bench). */
  readonly engines: {
    readonly dynamoDbEndpoint: string;
    readonly sqsEndpoint: string;
    readonly tables: typeof TABLES;
  };
  /** Where alert emails are written, one JSON file each: {to, subject, text, sent_at}. */
  readonly outboxDir: string;
  /** The ops topic twin: one JSON line per escalation transition. */
  readonly opsTopicLog: string;
  /** The local escalation executions (Step Functions twin). */
  readonly escalations: { list(): LocalExecution[] };
  stop(): Promise<void>;
}

export const LOCAL_ACCOUNT_ID = 'acc_local';
type ApiFunctionName = 'management-api' | 'publish-api' | 'admin-api';
const TABLES = { config: 'webhooks-config', deliveries: 'webhooks-deliveries' } as const;

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
      MaximumMessageSize: String(queue.maximumMessageSizeBytes),
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

/** Local development allows every target; private targets disallowed means the deployed policy. */
function targetPolicy(options: LocalRuntimeOptions) {
  const deployed = options.allowPrivateTargets === false ? options.topology.targetPolicy : undefined;
  return {
    allowHttpTargets: options.allowHttpTargets ?? deployed?.allowHttpTargets ?? true,
    allowPrivateTargets: options.allowPrivateTargets ?? true,
  };
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

  // Items measured in UTF-8 bytes, as DynamoDB does: the 400 KB limit bites locally where it bites in AWS.
  measureItemsLikeDynamoDb();
  const dynamo = dynalite({
    path: join(options.dataDir, 'dynamodb'),
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  const dynamoPort = await listen(dynamo, 0, '127.0.0.1');
  const dynamoDbEndpoint = `http://127.0.0.1:${dynamoPort}`;
  const tables = TABLES;
  await ensureTables(new DynamoDBClient({ endpoint: dynamoDbEndpoint, region: 'us-east-1' }), tables);

  const fauxqs = await startSqsEngine();
  const sqsEndpoint = fauxqs.address;
  const sqs = new SQSClient({ endpoint: sqsEndpoint, region: 'us-east-1' });
  options.instrumentPlatform?.('sqs', sqs as unknown as InstrumentableClient);
  const { urls, arns } = await createQueues(sqs, options.topology, options.visibilityTimeoutSeconds);
  const roles = options.topology.roles;
  const queueUrls = {
    ingest: urls[roles.ingest] ?? '',
    ingestDlq: urls[roles.ingestDlq] ?? '',
    delivery: urls[roles.delivery] ?? '',
    deliveryDlq: urls[roles.deliveryDlq] ?? '',
    parked: urls[roles.parked] ?? '',
  };

  const bus = await LocalEventBus.open(sqs, queueUrls.ingest, options.dataDir, log);
  /** Fan-out's successes leave the bus journal (see LocalEventBus). */
  const journaled =
    (handler: SqsHandler): SqsHandler =>
    async (event) => {
      const response = await handler(event);
      const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
      await bus.acknowledge(
        event.Records.filter((record) => !failed.has(record.messageId)).map((record) => record.body),
      );
      return response;
    };
  // The port must be known before the handlers are built (the local PutEvents endpoint is this
  // server), so it listens first and answers 503 with Retry-After until the handlers are built and
  // the bootstrap is done: a request that came early (a client retrying through a restart) must
  // never be left hanging, nor see a half-made account.
  let serveRequest: RequestListener | undefined;
  const server = createServer((request, response) => {
    if (serveRequest) return serveRequest(request, response);
    request.resume();
    response
      .writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' })
      .end(JSON.stringify({ error: { code: 'unavailable', message: 'The local runtime is starting' } }));
  });
  const port = await listen(server, options.port ?? 3000, host);
  const url = `http://${host}:${port}`;

  const outboxDir = join(options.dataDir, 'outbox');
  const opsTopicLog = join(options.dataDir, 'ops-topic.jsonl');
  // The Tasks call the escalation handler with the dependencies built below (not yet at this point).
  let deps: Dependencies | undefined;
  const provider = (): Dependencies => {
    if (!deps) throw new Error('The local runtime is not started yet');
    return deps;
  };
  const escalations = await LocalEscalationStateMachine.create({
    definition: options.topology.escalation.definition,
    taskArn: options.topology.escalation.escalationTaskArn,
    handler: createEscalationHandler(provider),
    directory: join(options.dataDir, 'stepfunctions'),
    log,
  });

  const config: RuntimeConfig = {
    configTableName: tables.config,
    deliveriesTableName: tables.deliveries,
    deliveryQueueUrl: queueUrls.delivery,
    parkedQueueUrl: queueUrls.parked,
    ingestQueueUrl: queueUrls.ingest,
    eventBusName: 'webhooks-local',
    retentionDays: options.retentionDays ?? 30,
    ...targetPolicy(options),
    dynamoDbEndpoint,
    sqsEndpoint,
    eventBridgeEndpoint: url,
    masterKey: fileKey(masterKeyPath),
    region: 'us-east-1',
    resolve: options.resolve,
    indexFirstAttempts: options.indexFirstAttempts ?? true,
    planLimits: withPlanLimitOverrides(options.planLimits),
    instrument: options.instrument,
    escalation: escalations,
    escalationWaitSeconds: options.escalationWaitSeconds ?? options.topology.escalation.defaultWaitSeconds,
    recoveryCooldownSeconds: options.recoveryCooldownSeconds,
    alertEmailsPerDay: options.alertEmailsPerDay,
    mailer: new OutboxMailer(outboxDir),
    opsNotifier: new FileOpsNotifier(opsTopicLog),
    apiBaseUrl: url,
  };
  deps = createDependencies(config, allPorts());
  const adminToken = options.adminToken ?? randomBytes(24).toString('base64url');
  const timeoutMs = (name: ApiFunctionName): number => {
    const configured = options.topology.functions[name]?.timeoutSeconds;
    if (configured === undefined) throw new Error(`The topology has no function ${name}`);
    return options.functionTimeoutsMs?.[name] ?? configured * 1000;
  };

  // The API serves once the local account, its key and the catalog exist: until then every request
  // gets the 503 above (never a 401 for the configured key, nor an unknown event type).
  const apiKey = options.apiKey ?? newApiKey();
  await options.beforeBootstrap?.(url);
  await bootstrap(deps, apiKey);
  const gateway = createApiGatewayTwin({
    authorizer: createAuthorizer(provider),
    adminToken,
    management: createManagementHandler(provider),
    publish: createPublishHandler(provider),
    admin: createAdminHandler(provider),
    functionTimeoutsMs: {
      management: timeoutMs('management-api'),
      publish: timeoutMs('publish-api'),
      admin: timeoutMs('admin-api'),
    },
    integrationTimeoutMs: options.integrationTimeoutMs,
    awsJson: async (target, body) =>
      target === 'AWSEvents.PutEvents'
        ? bus.putEvents(body)
        : { status: 400, body: { __type: 'UnknownOperationException', message: `Unsupported: ${target}` } },
  });
  // $BASE/local/receiver: an endpoint URL that works offline (the README's examples use it).
  serveRequest = withLocalReceiver(gateway, join(options.dataDir, 'receiver.jsonl'));

  const onError = (error: unknown) => log(`consumer error: ${String(error)}`);
  const wrapDeliver = options.wrapDeliverHandler ?? ((handler: SqsHandler) => handler);
  const pollers = [
    new SqsPoller(sqs, queueUrls.ingest, arns[roles.ingest] ?? '', journaled(createFanoutHandler(provider)), {
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

  // The reconciler's parts, each through the reconciler's handler entry: locally the confirmation
  // mails have a faster timer of their own, and the start-up sweep re-queues every pending delivery.
  const reconcileParts = { sendConfirmations: false, logSummary: false } as const;
  const reconcilers = {
    startupSweep: createReconcilerHandler(provider, { ...reconcileParts, requeue: 'all' }),
    scheduled: createReconcilerHandler(provider, { ...reconcileParts, requeue: 'overdue' }),
    confirmations: createReconcilerHandler(provider, {
      requeue: 'none',
      purgeHistory: false,
      logSummary: false,
    }),
  };
  const reconcile = async (sweep = false) => {
    try {
      const { requeued, purged } = await (sweep ? reconcilers.startupSweep : reconcilers.scheduled)();
      if (requeued > 0) log(`reconciler re-queued ${requeued} overdue deliveries`);
      if (purged > 0) log(`reconciler purged ${purged} deliveries of deleted webhooks`);
    } catch (error) {
      log(`reconciler failed: ${String(error)}`);
    }
  };
  // The queues are new and empty at start: everything DynamoDB still calls pending is re-queued now,
  // then the events the bus accepted but fan-out had not taken are replayed.
  await reconcile(true);
  const replayed = await bus.replay();
  if (replayed > 0) log(`replayed ${replayed} events accepted before the last stop`);
  const reconcileTimer = setInterval(() => reconcile(), options.reconcileIntervalMs ?? 60_000);
  reconcileTimer.unref();
  let sweeping = false;
  const confirmationTimer = setInterval(async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      await reconcilers.confirmations();
    } catch (error) {
      log(`confirmation mails failed: ${String(error)}`);
    } finally {
      sweeping = false;
    }
  }, options.confirmationSweepIntervalMs ?? 1000);
  confirmationTimer.unref();
  // Escalations a previous process left running go on (from their first state).
  escalations.resume();

  return {
    url,
    apiKey,
    adminToken,
    accountId: LOCAL_ACCOUNT_ID,
    dependencies: deps,
    queueUrls,
    sqs,
    eventBridgeEndpoint: url,
    engines: { dynamoDbEndpoint, sqsEndpoint, tables },
    outboxDir,
    opsTopicLog,
    escalations,
    stop: async () => {
      clearInterval(reconcileTimer);
      clearInterval(confirmationTimer);
      await escalations.stop();
      await Promise.all(pollers.map((poller) => poller.stop()));
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await fauxqs.stop();
      await new Promise((resolve) => dynamo.close(resolve));
    },
  };
}

import type { RequestListener } from 'node:http';
import { FileOpsNotifier, OutboxMailer } from '../adapters/local-outbox.js';
import { fileKey } from '../adapters/secret-cipher.js';
import { createAdminHandler } from '../admin-api.js';
import { createAuthorizer } from '../authorizer.js';
import { allPorts, createDependencies, fanoutOnlyPorts } from '../composition.js';
import type { RuntimeConfig } from '../config.js';
import { createDeliverHandler } from '../deliver.js';
import { withPlanLimitOverrides } from '../domain/plans.js';
import type { EscalationStarter } from '../domain/ports/alerting.js';
import { createEscalationHandler } from '../escalation.js';
import { createFanoutHandler } from '../fanout.js';
import { createManagementHandler } from '../management-api.js';
import { createPublishHandler } from '../publish-api.js';
import { createReconcilerHandler, type ReconcilerOptions } from '../reconciler.js';
import type { Dependencies, DependenciesProvider } from '../services/dependencies.js';
import { createApiGatewayTwin } from './api-gateway.js';
import type { LocalFiles, LocalReconcilers } from './bootstrap.js';
import type { LocalDynamoDb, LocalQueues } from './engines.js';
import type { LocalEventBus } from './event-bus.js';
import { withLocalReceiver } from './local-receiver.js';
import type { ApiFunctionName, LocalRuntimeOptions } from './options.js';
import { withPortalSite } from './portal-site.js';
import { type SqsHandler, SqsPoller } from './sqs-poller.js';

/**
 * What the local runtime runs, wired as in AWS: every function is its handler entry (the
 * `createXHandler` factories of lambdas/*.ts) over dependencies built by the one composition
 * module from a RuntimeConfig naming the local engines. Nothing here calls a service directly.
 */

/**
 * Dependencies bound later: the Step Functions twin needs the escalation handler before the
 * dependencies exist (they name the twin as their escalation starter).
 */
export function lateDependencies(): { provider: DependenciesProvider; bind(deps: Dependencies): void } {
  let deps: Dependencies | undefined;
  return {
    provider: () => {
      if (!deps) throw new Error('The local runtime is not started yet');
      return deps;
    },
    bind: (built) => {
      deps = built;
    },
  };
}

/** The reconciler's three local runs; locally its confirmation mails have a faster timer of their own. */
const RECONCILER_RUNS = {
  /** The queues are new and empty at start: every delivery DynamoDB still calls pending is re-queued. */
  startupSweep: { requeue: 'all', sendConfirmations: false },
  scheduled: { requeue: 'overdue', sendConfirmations: false },
  confirmations: { requeue: 'none', purgeHistory: false, purgeAccounts: false, recover: false },
} as const satisfies Record<keyof LocalReconcilers, ReconcilerOptions>;

/**
 * Every function's handler entry, over the same dependencies; fan-out's remember the catalog and
 * accounts for a minute and count usage in waves, as in its Lambda (composition.ts, fanoutOnlyPorts).
 */
export function localHandlers(
  dependencies: DependenciesProvider,
  fanoutDependencies: DependenciesProvider = dependencies,
) {
  const reconciler = (run: ReconcilerOptions) =>
    // The runtime logs what its runs did in lines of its own (bootstrap.ts).
    createReconcilerHandler(dependencies, { ...run, logSummary: false });
  return {
    authorizer: createAuthorizer(dependencies),
    management: createManagementHandler(dependencies),
    publish: createPublishHandler(dependencies),
    admin: createAdminHandler(dependencies),
    fanout: createFanoutHandler(fanoutDependencies),
    deliver: createDeliverHandler(dependencies),
    escalation: createEscalationHandler(dependencies),
    reconciler: {
      startupSweep: reconciler(RECONCILER_RUNS.startupSweep),
      scheduled: reconciler(RECONCILER_RUNS.scheduled),
      confirmations: reconciler(RECONCILER_RUNS.confirmations),
    } satisfies LocalReconcilers,
  };
}
export type LocalHandlers = ReturnType<typeof localHandlers>;

/** Local development allows every target; private targets disallowed means the deployed policy. */
function targetPolicy(options: LocalRuntimeOptions) {
  const deployed = options.allowPrivateTargets === false ? options.topology.targetPolicy : undefined;
  return {
    allowHttpTargets: options.allowHttpTargets ?? deployed?.allowHttpTargets ?? true,
    allowPrivateTargets: options.allowPrivateTargets ?? true,
  };
}

/**
 * The handlers' dependencies, built from the local engines for AWS: those of every function, and
 * fan-out's (the same adapters and clients, with its lookups remembered as in its Lambda).
 */
export function localDependencies(
  options: LocalRuntimeOptions,
  engines: { dynamoDb: LocalDynamoDb; queues: LocalQueues; url: string; escalation: EscalationStarter },
  files: LocalFiles,
): { readonly all: Dependencies; readonly fanout: Dependencies } {
  const { dynamoDb, queues, url } = engines;
  const config: RuntimeConfig = {
    configTableName: dynamoDb.tables.config,
    deliveriesTableName: dynamoDb.tables.deliveries,
    deliveryQueueUrl: queues.urls.delivery,
    parkedQueueUrl: queues.urls.parked,
    ingestQueueUrl: queues.urls.ingest,
    eventBusName: 'webhooks-local',
    retentionDays: options.retentionDays ?? 30,
    ...targetPolicy(options),
    dynamoDbEndpoint: dynamoDb.endpoint,
    sqsEndpoint: queues.endpoint,
    eventBridgeEndpoint: url,
    masterKey: fileKey(files.masterKeyPath),
    region: 'us-east-1',
    resolve: options.resolve,
    indexFirstAttempts: options.indexFirstAttempts ?? true,
    planLimits: withPlanLimitOverrides(options.planLimits),
    instrument: options.instrument,
    escalation: engines.escalation,
    escalationWaitSeconds: options.escalationWaitSeconds ?? options.topology.escalation.defaultWaitSeconds,
    recoveryCooldownSeconds: options.recoveryCooldownSeconds,
    alertEmailsPerDay: options.alertEmailsPerDay,
    mailer: new OutboxMailer(files.outboxDir),
    opsNotifier: new FileOpsNotifier(files.opsTopicLog),
    apiBaseUrl: url,
    // The portal's UI, served by the same listener (portal-site.ts).
    portalUrl: `${url}/portal/`,
    clock: options.clock,
  };
  return {
    all: createDependencies(config, allPorts()),
    fanout: createDependencies(config, { ...allPorts(), ...fanoutOnlyPorts }),
  };
}

/**
 * API Gateway's twin in front of the three API functions and their authorizer, with the
 * functions' timeouts of the topology; PutEvents goes to the bus; `$BASE/local/receiver` is an
 * endpoint URL that works offline (the README's examples use it).
 */
export function apiListener(
  options: LocalRuntimeOptions,
  handlers: LocalHandlers,
  adminToken: string,
  bus: LocalEventBus,
  files: LocalFiles,
  url: string,
): RequestListener {
  const timeoutMs = (name: ApiFunctionName): number => {
    const configured = options.topology.functions[name]?.timeoutSeconds;
    if (configured === undefined) throw new Error(`The topology has no function ${name}`);
    return options.functionTimeoutsMs?.[name] ?? configured * 1000;
  };
  const gateway = createApiGatewayTwin({
    authorizer: handlers.authorizer,
    adminToken,
    management: handlers.management,
    publish: handlers.publish,
    admin: handlers.admin,
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
  return withPortalSite(withLocalReceiver(gateway, files.receiverLog), {
    baseUrl: url,
    frameAncestors: options.portalFrameAncestors,
  });
}

/** Fan-out's successes leave the bus journal (see LocalEventBus). */
const journaled =
  (bus: LocalEventBus, handler: SqsHandler): SqsHandler =>
  async (event) => {
    const response = await handler(event);
    const failed = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
    await bus.acknowledge(
      event.Records.filter((record) => !failed.has(record.messageId)).map((record) => record.body),
    );
    return response;
  };

/** The queue consumers (Lambda's event source mappings): fan-out on ingest, deliver on delivery. */
export function startConsumers(
  options: LocalRuntimeOptions,
  handlers: LocalHandlers,
  queues: LocalQueues,
  bus: LocalEventBus,
  log: (line: string) => void,
): { stop(): Promise<void> } {
  const onError = (error: unknown) => log(`consumer error: ${String(error)}`);
  const wrapDeliver = options.wrapDeliverHandler ?? ((handler: SqsHandler) => handler);
  const pollers = [
    new SqsPoller(queues.sqs, queues.urls.ingest, queues.arns.ingest, journaled(bus, handlers.fanout), {
      concurrency: 1,
      onError,
    }),
    new SqsPoller(queues.sqs, queues.urls.delivery, queues.arns.delivery, wrapDeliver(handlers.deliver), {
      concurrency: options.deliveryConcurrency ?? 4,
      batchSize: options.deliveryBatchSize ?? 10,
      onError,
    }),
  ];
  for (const poller of pollers) poller.start();
  return {
    stop: async () => {
      await Promise.all(pollers.map((poller) => poller.stop()));
    },
  };
}

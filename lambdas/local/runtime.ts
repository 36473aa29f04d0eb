import { randomBytes } from 'node:crypto';
import { newApiKey } from '../domain/ids.js';
import { mintPortalLink } from '../services/portal.js';
import { LOCAL_ACCOUNT_ID, prepareDataDir, seedLocalAccount, startSchedules } from './bootstrap.js';
import { openEventBus, startApiServer, startDynamoDb, startQueues, startStepFunctions } from './engines.js';
import type { LocalRuntime, LocalRuntimeOptions } from './options.js';
import { apiListener, lateDependencies, localDependencies, localHandlers, startConsumers } from './wiring.js';

/**
 * `npm start`: the whole service in one process. The same handlers as in Lambda, wired to local
 * twins: dynalite (persisted in the data directory) for DynamoDB, fauxqs for SQS with the stack's
 * queue settings, an HTTP server for API Gateway and the EventBridge PutEvents API, a key file for
 * Secrets Manager, timers for the schedules, the synthesized escalation state machine run by
 * aws-local-stepfunctions, and files for SES (`<data dir>/outbox/`) and SNS
 * (`<data dir>/ops-topic.jsonl`).
 *
 * This module orders the start and the stop; the twins are started in engines.ts, the handlers and
 * their dependencies built in wiring.ts, the data directory, the local account and the timers are
 * bootstrap.ts's.
 */

export { LOCAL_ACCOUNT_ID } from './bootstrap.js';
export type { LocalRuntime, LocalRuntimeOptions, QueueTopology } from './options.js';

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const log = options.log ?? (() => undefined);
  const files = await prepareDataDir(options.dataDir);
  const dynamoDb = await startDynamoDb(files.dynamoDbDir);
  const queues = await startQueues(options.topology, options);
  const bus = await openEventBus(queues, options.dataDir, log);
  // Listens first, answering 503 until `serve`: the handlers' configuration names its URL.
  const server = await startApiServer(options.port ?? 3000, options.host ?? '127.0.0.1');

  // The escalation Tasks need their handler before the dependencies exist (those name the twin).
  const dependencies = lateDependencies();
  const fanoutDependencies = lateDependencies();
  const handlers = localHandlers(dependencies.provider, fanoutDependencies.provider);
  const escalations = await startStepFunctions(options.topology.escalation, {
    handler: handlers.escalation,
    directory: files.stepFunctionsDir,
    log,
  });
  const built = localDependencies(
    options,
    { dynamoDb, queues, url: server.url, escalation: escalations },
    files,
  );
  const deps = built.all;
  dependencies.bind(deps);
  fanoutDependencies.bind(built.fanout);

  // The API serves once the local account, its key and the catalog exist: until then every request
  // gets a 503 (never a 401 for the configured key, nor an unknown event type).
  const adminToken = options.adminToken ?? randomBytes(24).toString('base64url');
  const apiKey = options.apiKey ?? newApiKey();
  await options.beforeBootstrap?.(server.url);
  await seedLocalAccount(deps, apiKey);
  const portalLink = await mintPortalLink(deps, LOCAL_ACCOUNT_ID, {});
  server.serve(apiListener(options, handlers, adminToken, bus, files, server.url));

  const consumers = startConsumers(options, handlers, queues, bus, log);
  const schedules = await startSchedules(options, handlers.reconciler, bus, log);
  // Escalations a previous process left running go on (from their first state).
  escalations.resume();

  return {
    url: server.url,
    apiKey,
    adminToken,
    accountId: LOCAL_ACCOUNT_ID,
    portalLink,
    dependencies: deps,
    queueUrls: queues.urls,
    sqs: queues.sqs,
    eventBridgeEndpoint: server.url,
    engines: { dynamoDbEndpoint: dynamoDb.endpoint, sqsEndpoint: queues.endpoint, tables: dynamoDb.tables },
    outboxDir: files.outboxDir,
    opsTopicLog: files.opsTopicLog,
    escalations,
    stop: async () => {
      schedules.stop();
      await escalations.stop();
      await consumers.stop();
      await server.stop();
      await queues.stop();
      await dynamoDb.stop();
    },
  };
}

import { mkdir } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import dynalite from 'dynalite';
import { ensureTables } from '../adapters/dynamodb/tables.js';
import type { ClientInstrument, InstrumentableClient } from '../config.js';
import { measureItemsLikeDynamoDb } from './dynalite-item-size.js';
import { LocalEventBus } from './event-bus.js';
import { LOCAL_TABLES, type QueueTopology, type QueueUrls } from './options.js';
import { startSqsEngine } from './sqs-engine.js';
import { LocalEscalationStateMachine, type LocalStateMachineOptions } from './step-functions.js';

/**
 * The local twins of the AWS services, started and stopped here: dynalite for DynamoDB, fauxqs
 * for SQS (with the stack's queue settings), the EventBridge bus, the HTTP server API Gateway's twin
 * answers on, and the escalation state machine run by aws-local-stepfunctions. Nothing here builds a
 * handler (wiring.ts does) or seeds data (bootstrap.ts).
 */

function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
  });
}

export interface LocalDynamoDb {
  readonly endpoint: string;
  readonly tables: typeof LOCAL_TABLES;
  stop(): Promise<void>;
}

/** dynalite persisted in `directory`, on a free loopback port, with the service's tables. */
export async function startDynamoDb(directory: string): Promise<LocalDynamoDb> {
  // Items measured in UTF-8 bytes, as DynamoDB does: the 400 KB limit bites locally where it bites in AWS.
  measureItemsLikeDynamoDb();
  await mkdir(directory, { recursive: true });
  const dynamo = dynalite({ path: directory, createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const endpoint = `http://127.0.0.1:${await listen(dynamo, 0, '127.0.0.1')}`;
  await ensureTables(new DynamoDBClient({ endpoint, region: 'us-east-1' }), LOCAL_TABLES);
  return {
    endpoint,
    tables: LOCAL_TABLES,
    stop: () => new Promise((resolve) => dynamo.close(() => resolve())),
  };
}

export interface LocalQueues {
  /** The runtime's own client: the twin of Lambda's pollers and EventBridge's rule target. */
  readonly sqs: SQSClient;
  readonly endpoint: string;
  readonly urls: QueueUrls;
  readonly arns: QueueUrls;
  stop(): Promise<void>;
}

/** Creates the topology's queues, dead-letter queues first (the others' redrive policies name them). */
async function createQueues(sqs: SQSClient, topology: QueueTopology, visibilityOverride?: number) {
  const urls: Record<string, string> = {};
  const arns: Record<string, string> = {};
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
  const byRole = (byName: Record<string, string>): QueueUrls => {
    const { roles } = topology;
    return {
      ingest: byName[roles.ingest] ?? '',
      ingestDlq: byName[roles.ingestDlq] ?? '',
      delivery: byName[roles.delivery] ?? '',
      deliveryDlq: byName[roles.deliveryDlq] ?? '',
      parked: byName[roles.parked] ?? '',
    };
  };
  return { urls: byRole(urls), arns: byRole(arns) };
}

/** fauxqs on a free loopback port, with the topology's queues. */
export async function startQueues(
  topology: QueueTopology,
  options: { visibilityTimeoutSeconds?: number; instrumentPlatform?: ClientInstrument },
): Promise<LocalQueues> {
  const fauxqs = await startSqsEngine();
  const sqs = new SQSClient({ endpoint: fauxqs.address, region: 'us-east-1' });
  options.instrumentPlatform?.('sqs', sqs as unknown as InstrumentableClient);
  const { urls, arns } = await createQueues(sqs, topology, options.visibilityTimeoutSeconds);
  return { sqs, endpoint: fauxqs.address, urls, arns, stop: () => fauxqs.stop() };
}

/** The EventBridge bus: PutEvents journals each event and sends it to the ingest queue (the rule). */
export const openEventBus = (queues: LocalQueues, dataDir: string, log: (line: string) => void) =>
  LocalEventBus.open(queues.sqs, queues.urls.ingest, dataDir, log);

export interface LocalApiServer {
  readonly url: string;
  /** From now on requests go to `listener`. */
  serve(listener: RequestListener): void;
  stop(): Promise<void>;
}

/**
 * The HTTP server API Gateway's twin (and the local PutEvents endpoint) answer on. It listens
 * before the handlers are built, since their configuration names its URL, and answers 503 with
 * Retry-After until `serve` is called: a request that came early (a client retrying through a
 * restart) is never left hanging, nor sees a half-made account.
 */
export async function startApiServer(port: number, host: string): Promise<LocalApiServer> {
  let serveRequest: RequestListener | undefined;
  const server = createServer((request, response) => {
    if (serveRequest) return serveRequest(request, response);
    request.resume();
    response
      .writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' })
      .end(JSON.stringify({ error: { code: 'unavailable', message: 'The local runtime is starting' } }));
  });
  const url = `http://${host}:${await listen(server, port, host)}`;
  return {
    url,
    serve: (listener) => {
      serveRequest = listener;
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** The synthesized escalation state machine; its Tasks run `handler` (the escalation handler entry). */
export const startStepFunctions = (
  escalation: QueueTopology['escalation'],
  options: Pick<LocalStateMachineOptions, 'handler' | 'directory' | 'log'>,
) =>
  LocalEscalationStateMachine.create({
    definition: escalation.definition,
    taskArn: escalation.escalationTaskArn,
    ...options,
  });

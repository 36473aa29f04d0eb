import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SQSClient } from '@aws-sdk/client-sqs';
import { systemResolver } from './adapters/dns-resolver.js';
import { createDocumentClient } from './adapters/dynamodb/client.js';
import {
  DynamoAccountRepository,
  DynamoApiKeyRepository,
  DynamoEventTypeRepository,
  DynamoWebhookRepository,
} from './adapters/dynamodb/config-store.js';
import {
  DynamoDeliveryRepository,
  DynamoIdempotencyRepository,
  DynamoStatsRepository,
} from './adapters/dynamodb/delivery-store.js';
import { EventBridgePublisher } from './adapters/eventbridge-publisher.js';
import { HttpWebhookSender } from './adapters/http-sender.js';
import {
  AesGcmSecretCipher,
  fileKey,
  type MasterKeySource,
  secretsManagerKey,
} from './adapters/secret-cipher.js';
import { SqsDeliveryQueue } from './adapters/sqs-queue.js';
import type { EventPublisher, HostResolver } from './domain/ports.js';
import type { Dependencies } from './services/dependencies.js';

/**
 * The one place that wires ports to adapters. Lambda builds from environment variables (set by the
 * CDK construct); the local runtime passes a RuntimeConfig pointing at its local twins. Each port is
 * built on first use, so a function only creates the clients it actually calls.
 */

export interface RuntimeConfig {
  readonly configTableName: string;
  readonly deliveriesTableName: string;
  readonly deliveryQueueUrl?: string;
  readonly parkedQueueUrl?: string;
  readonly eventBusName?: string;
  readonly retentionDays: number;
  readonly allowHttpTargets: boolean;
  readonly allowPrivateTargets: boolean;
  /** Explicit endpoints for local engines; absent in AWS. */
  readonly dynamoDbEndpoint?: string;
  readonly sqsEndpoint?: string;
  readonly eventBridgeEndpoint?: string;
  /** Where the signing-secret master key comes from; absent in AWS (Secrets Manager, by ARN). */
  readonly masterKey?: MasterKeySource;
  /**
   * Also index first attempts for the reconciler. Needed where queues can vanish wholesale (the
   * local runtime's in-memory queues); in AWS, SQS keeps accepted messages and fan-out replays
   * re-send unattempted jobs, so the extra index writes are saved.
   */
  readonly indexFirstAttempts?: boolean;
  readonly region?: string;
  /** Overrides for tests and the local runtime. */
  readonly resolve?: HostResolver;
  readonly publisher?: EventPublisher;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`Missing environment variable ${name}`);
  return value;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const masterKeyFile = env.MASTER_KEY_FILE;
  return {
    configTableName: required(env, 'CONFIG_TABLE_NAME'),
    deliveriesTableName: required(env, 'DELIVERIES_TABLE_NAME'),
    deliveryQueueUrl: env.DELIVERY_QUEUE_URL,
    parkedQueueUrl: env.PARKED_QUEUE_URL,
    eventBusName: env.EVENT_BUS_NAME,
    retentionDays: Number(env.RETENTION_DAYS ?? '30'),
    allowHttpTargets: env.ALLOW_HTTP_TARGETS === 'true',
    allowPrivateTargets: env.ALLOW_PRIVATE_TARGETS === 'true',
    dynamoDbEndpoint: env.DYNAMODB_ENDPOINT,
    sqsEndpoint: env.SQS_ENDPOINT,
    eventBridgeEndpoint: env.EVENTBRIDGE_ENDPOINT,
    masterKey: masterKeyFile ? fileKey(masterKeyFile) : undefined,
  };
}

function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}

type PortFactories = { [Name in keyof Dependencies]?: (config: RuntimeConfig) => Dependencies[Name] };

const region = (config: RuntimeConfig): string => config.region ?? process.env.AWS_REGION ?? 'us-east-1';
const documentClient = new WeakMap<RuntimeConfig, ReturnType<typeof createDocumentClient>>();
const doc = (config: RuntimeConfig) => {
  let client = documentClient.get(config);
  if (!client) {
    client = createDocumentClient({ endpoint: config.dynamoDbEndpoint, region: region(config) });
    documentClient.set(config, client);
  }
  return client;
};
const retention = (config: RuntimeConfig) => ({
  retentionDays: config.retentionDays,
  indexFirstAttempt: config.indexFirstAttempts ?? false,
});
const targetPolicy = (config: RuntimeConfig) => ({
  allowHttp: config.allowHttpTargets,
  allowPrivate: config.allowPrivateTargets,
});

/** The adapter groups, by the AWS client they need: a function wires only the groups it uses. */
export const dynamoDbPorts = {
  accounts: (config) => new DynamoAccountRepository(doc(config), config.configTableName),
  apiKeys: (config) => new DynamoApiKeyRepository(doc(config), config.configTableName),
  eventTypes: (config) => new DynamoEventTypeRepository(doc(config), config.configTableName),
  webhooks: (config) => new DynamoWebhookRepository(doc(config), config.configTableName),
  deliveries: (config) =>
    new DynamoDeliveryRepository(doc(config), config.deliveriesTableName, retention(config)),
  idempotency: (config) =>
    new DynamoIdempotencyRepository(doc(config), config.deliveriesTableName, retention(config)),
  stats: (config) => new DynamoStatsRepository(doc(config), config.deliveriesTableName, retention(config)),
} satisfies PortFactories;

export const sqsPorts = {
  queue: (config) => {
    if (!config.deliveryQueueUrl) throw new Error('No delivery queue configured for this function');
    const client = new SQSClient({ endpoint: config.sqsEndpoint, region: region(config) });
    return new SqsDeliveryQueue(client, config.deliveryQueueUrl, config.parkedQueueUrl);
  },
} satisfies PortFactories;

export const eventBridgePorts = {
  publisher: (config) => {
    if (config.publisher) return config.publisher;
    if (!config.eventBusName) throw new Error('No event bus configured for this function');
    const client = new EventBridgeClient({ endpoint: config.eventBridgeEndpoint, region: region(config) });
    return new EventBridgePublisher(client, config.eventBusName);
  },
} satisfies PortFactories;

export const secretPorts = {
  cipher: (config) =>
    new AesGcmSecretCipher(
      config.masterKey ?? secretsManagerKey(required(process.env, 'MASTER_KEY_SECRET_ARN')),
    ),
} satisfies PortFactories;

export const outboundPorts = {
  sender: (config) =>
    new HttpWebhookSender({ policy: targetPolicy(config), resolve: config.resolve ?? systemResolver }),
} satisfies PortFactories;

/**
 * Dependencies whose ports are built on first use from the given factories. A port a function did
 * not wire throws when touched: a wiring mistake shows up at once, not as a wrong adapter.
 */
export function createDependencies(config: RuntimeConfig, factories: PortFactories): Dependencies {
  const dependencies: Record<string, unknown> = {
    resolve: config.resolve ?? systemResolver,
    clock: { now: () => new Date() },
    targetPolicy: targetPolicy(config),
  };
  const names = [
    'accounts',
    'apiKeys',
    'eventTypes',
    'webhooks',
    'deliveries',
    'idempotency',
    'stats',
    'queue',
    'publisher',
    'cipher',
    'sender',
  ] as const;
  for (const name of names) {
    const factory = factories[name] as ((config: RuntimeConfig) => unknown) | undefined;
    const get = lazy(() => {
      if (!factory) throw new Error(`Port ${name} is not wired in this function`);
      return factory(config);
    });
    Object.defineProperty(dependencies, name, { get, enumerable: true });
  }
  return dependencies as unknown as Dependencies;
}

/** Every adapter: the local runtime, which runs all handlers in one process. */
export const allPorts = (): PortFactories => ({
  ...dynamoDbPorts,
  ...sqsPorts,
  ...eventBridgePorts,
  ...secretPorts,
  ...outboundPorts,
});

/** Each Lambda's dependencies, built once per container from its environment and only its clients. */
const fromEnv = (factories: () => PortFactories) =>
  lazy(() => createDependencies(configFromEnv(), factories()));

export const authorizerDependencies = /* @__PURE__ */ fromEnv(() => dynamoDbPorts);
export const adminDependencies = /* @__PURE__ */ fromEnv(() => dynamoDbPorts);
export const publishDependencies = /* @__PURE__ */ fromEnv(() => ({ ...dynamoDbPorts, ...eventBridgePorts }));
export const managementDependencies = /* @__PURE__ */ fromEnv(() => ({
  ...dynamoDbPorts,
  ...sqsPorts,
  ...secretPorts,
  ...outboundPorts,
}));
export const fanoutDependencies = /* @__PURE__ */ fromEnv(() => ({ ...dynamoDbPorts, ...sqsPorts }));
export const deliverDependencies = /* @__PURE__ */ fromEnv(() => ({
  ...dynamoDbPorts,
  ...sqsPorts,
  ...secretPorts,
  ...outboundPorts,
}));
export const reconcilerDependencies = /* @__PURE__ */ fromEnv(() => ({ ...dynamoDbPorts, ...sqsPorts }));

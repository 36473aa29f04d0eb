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
  readonly masterKey: MasterKeySource;
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
    masterKey: masterKeyFile
      ? fileKey(masterKeyFile)
      : () => secretsManagerKey(required(env, 'MASTER_KEY_SECRET_ARN'))(),
  };
}

function lazy<T>(build: () => T): () => T {
  let value: T | undefined;
  return () => {
    value ??= build();
    return value;
  };
}

export function createDependencies(config: RuntimeConfig): Dependencies {
  const region = config.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const doc = lazy(() => createDocumentClient({ endpoint: config.dynamoDbEndpoint, region }));
  const sqs = lazy(() => new SQSClient({ endpoint: config.sqsEndpoint, region }));
  const retention = {
    retentionDays: config.retentionDays,
    indexFirstAttempt: config.indexFirstAttempts ?? false,
  };
  const targetPolicy = { allowHttp: config.allowHttpTargets, allowPrivate: config.allowPrivateTargets };
  const ports = {
    accounts: lazy(() => new DynamoAccountRepository(doc(), config.configTableName)),
    apiKeys: lazy(() => new DynamoApiKeyRepository(doc(), config.configTableName)),
    eventTypes: lazy(() => new DynamoEventTypeRepository(doc(), config.configTableName)),
    webhooks: lazy(() => new DynamoWebhookRepository(doc(), config.configTableName)),
    deliveries: lazy(() => new DynamoDeliveryRepository(doc(), config.deliveriesTableName, retention)),
    idempotency: lazy(() => new DynamoIdempotencyRepository(doc(), config.deliveriesTableName, retention)),
    stats: lazy(() => new DynamoStatsRepository(doc(), config.deliveriesTableName, retention)),
    queue: lazy(() => {
      if (!config.deliveryQueueUrl) throw new Error('No delivery queue configured for this function');
      return new SqsDeliveryQueue(sqs(), config.deliveryQueueUrl, config.parkedQueueUrl);
    }),
    publisher: lazy(() => {
      if (config.publisher) return config.publisher;
      if (!config.eventBusName) throw new Error('No event bus configured for this function');
      return new EventBridgePublisher(
        new EventBridgeClient({ endpoint: config.eventBridgeEndpoint, region }),
        config.eventBusName,
      );
    }),
    cipher: lazy(() => new AesGcmSecretCipher(config.masterKey)),
    sender: lazy(
      () => new HttpWebhookSender({ policy: targetPolicy, resolve: config.resolve ?? systemResolver }),
    ),
  };
  const dependencies = {
    resolve: config.resolve ?? systemResolver,
    clock: { now: () => new Date() },
    targetPolicy,
  } as Record<string, unknown>;
  for (const [name, get] of Object.entries(ports)) {
    Object.defineProperty(dependencies, name, { get, enumerable: true });
  }
  return dependencies as unknown as Dependencies;
}

/** Lambda's dependencies, built once per container from its environment. */
export const containerFromEnv = lazy(() => createDependencies(configFromEnv()));

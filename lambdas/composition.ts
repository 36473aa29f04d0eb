import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { SFNClient } from '@aws-sdk/client-sfn';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { systemResolver } from './adapters/dns-resolver.js';
import { DynamoAlertEmailRepository } from './adapters/dynamodb/alert-email-store.js';
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
import { DynamoUsageRepository } from './adapters/dynamodb/usage-store.js';
import { DynamoWebhookCounter } from './adapters/dynamodb/webhook-count-store.js';
import { EventBridgePublisher } from './adapters/eventbridge-publisher.js';
import { HttpWebhookSender } from './adapters/http-sender.js';
import {
  AesGcmSecretCipher,
  fileKey,
  type MasterKeySource,
  secretsManagerKey,
} from './adapters/secret-cipher.js';
import { SesMailer, SkippingMailer } from './adapters/ses-mailer.js';
import { SfnEscalationStarter } from './adapters/sfn-escalation.js';
import { SnsOpsNotifier } from './adapters/sns-ops-notifier.js';
import { SqsOperationalEvents } from './adapters/sqs-operational-events.js';
import { SqsDeliveryQueue } from './adapters/sqs-queue.js';
import {
  DEFAULT_ALERT_EMAILS_PER_DAY,
  DEFAULT_ESCALATION_WAIT_SECONDS,
  DEFAULT_RECOVERY_COOLDOWN_SECONDS,
} from './domain/escalation.js';
import { DEFAULT_PLAN_LIMITS, type PlanLimits, parsePlanLimits } from './domain/plans.js';
import type {
  EscalationStarter,
  EventPublisher,
  HostResolver,
  Mailer,
  OperationalEventSink,
  OpsNotifier,
} from './domain/ports.js';
import { log } from './logging.js';
import type { Dependencies } from './services/dependencies.js';
import { withBuiltInEventTypes } from './services/event-catalog.js';

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
  /** Fan-out's queue: the service's own operational events are sent to it directly. */
  readonly ingestQueueUrl?: string;
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
  /** Sees every AWS SDK client as it is built (the bench counts calls with SDK middleware). */
  readonly instrument?: ClientInstrument;
  /** Overrides for tests and the local runtime. */
  readonly resolve?: HostResolver;
  readonly publisher?: EventPublisher;
  /** The local runtime's twins of Step Functions, SES, SNS and the operational-events publisher. */
  readonly escalation?: EscalationStarter;
  readonly mailer?: Mailer;
  readonly opsNotifier?: OpsNotifier;
  readonly operationalEvents?: OperationalEventSink;
  /** Escalation (docs/escalation.md): the state machine deliver starts, and its wait. */
  readonly escalationStateMachineArn?: string;
  /** @default DEFAULT_ESCALATION_WAIT_SECONDS (72 h) */
  readonly escalationWaitSeconds?: number;
  /** SES identity alert emails come from; absent: emails are logged and skipped. */
  readonly alertSenderEmail?: string;
  /** The platform team's SNS topic. */
  readonly opsTopicArn?: string;
  /** Base URL of the REST API, for links in alerts. */
  readonly apiBaseUrl?: string;
  /** @default DEFAULT_RECOVERY_COOLDOWN_SECONDS (10 minutes) */
  readonly recoveryCooldownSeconds?: number;
  /** @default DEFAULT_ALERT_EMAILS_PER_DAY (3) */
  readonly alertEmailsPerDay?: number;
  /** Plan quotas; the seed's defaults when absent. */
  readonly planLimits?: PlanLimits;
}

/** The part of an SDK v3 client an instrument uses: its middleware stack. */
export interface InstrumentableClient {
  readonly middlewareStack: { add(middleware: never, options: { step: 'initialize'; name: string }): void };
}
export type ClientInstrument = (
  service: 'dynamodb' | 'sqs' | 'eventbridge',
  client: InstrumentableClient,
) => void;

function instrumented<T>(config: RuntimeConfig, service: Parameters<ClientInstrument>[0], client: T): T {
  config.instrument?.(service, client as unknown as InstrumentableClient);
  return client;
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (!value) throw new Error(`Missing environment variable ${name}`);
  return value;
}

/** A non-negative integer setting, or undefined (unset or not a whole number: the default applies). */
function wholeNumber(value: string | undefined): number | undefined {
  if (value === undefined || !/^\d{1,9}$/.test(value)) return undefined;
  return Number(value);
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  return { ...configWithoutPlanLimits(env), planLimits: parsePlanLimits(env.PLAN_LIMITS) };
}

/**
 * configFromEnv less the plan quotas, for the functions that enforce none (the escalation Tasks):
 * their bundle then carries no PLAN_LIMITS parser (it is at its 400 KB budget).
 */
function configWithoutPlanLimits(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
  const masterKeyFile = env.MASTER_KEY_FILE;
  return {
    configTableName: required(env, 'CONFIG_TABLE_NAME'),
    deliveriesTableName: required(env, 'DELIVERIES_TABLE_NAME'),
    deliveryQueueUrl: env.DELIVERY_QUEUE_URL,
    parkedQueueUrl: env.PARKED_QUEUE_URL,
    ingestQueueUrl: env.INGEST_QUEUE_URL,
    eventBusName: env.EVENT_BUS_NAME,
    retentionDays: Number(env.RETENTION_DAYS ?? '30'),
    allowHttpTargets: env.ALLOW_HTTP_TARGETS === 'true',
    allowPrivateTargets: env.ALLOW_PRIVATE_TARGETS === 'true',
    dynamoDbEndpoint: env.DYNAMODB_ENDPOINT,
    sqsEndpoint: env.SQS_ENDPOINT,
    eventBridgeEndpoint: env.EVENTBRIDGE_ENDPOINT,
    masterKey: masterKeyFile ? fileKey(masterKeyFile) : undefined,
    escalationStateMachineArn: env.ESCALATION_STATE_MACHINE_ARN,
    escalationWaitSeconds: env.ESCALATION_WAIT_SECONDS ? Number(env.ESCALATION_WAIT_SECONDS) : undefined,
    alertSenderEmail: env.ALERT_SENDER_EMAIL || undefined,
    opsTopicArn: env.OPS_TOPIC_ARN,
    apiBaseUrl: env.API_URL,
    recoveryCooldownSeconds: wholeNumber(env.RECOVERY_COOLDOWN_SECONDS),
    alertEmailsPerDay: wholeNumber(env.ALERT_EMAILS_PER_DAY),
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
    client = instrumented(
      config,
      'dynamodb',
      createDocumentClient({ endpoint: config.dynamoDbEndpoint, region: region(config) }),
    );
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

const accountsPort = (config: RuntimeConfig) =>
  new DynamoAccountRepository(doc(config), config.configTableName);
const webhooksPort = (config: RuntimeConfig) =>
  new DynamoWebhookRepository(doc(config), config.configTableName);
const alertEmailsPort = (config: RuntimeConfig) =>
  new DynamoAlertEmailRepository(doc(config), config.configTableName);

/** The adapter groups, by the AWS client they need: a function wires only the groups it uses. */
export const dynamoDbPorts = {
  accounts: accountsPort,
  alertEmails: alertEmailsPort,
  apiKeys: (config) => new DynamoApiKeyRepository(doc(config), config.configTableName),
  // Operational event types (endpoint.failing, …) are built into the catalog (docs/escalation.md).
  eventTypes: (config) =>
    withBuiltInEventTypes(new DynamoEventTypeRepository(doc(config), config.configTableName)),
  webhooks: webhooksPort,
  deliveries: (config) =>
    new DynamoDeliveryRepository(doc(config), config.deliveriesTableName, retention(config)),
  idempotency: (config) =>
    new DynamoIdempotencyRepository(doc(config), config.deliveriesTableName, retention(config)),
  stats: (config) => new DynamoStatsRepository(doc(config), config.deliveriesTableName, retention(config)),
  usage: (config) => new DynamoUsageRepository(doc(config), config.configTableName),
  webhookCounter: (config) => new DynamoWebhookCounter(doc(config), config.configTableName),
} satisfies PortFactories;

export const sqsPorts = {
  queue: (config) => {
    if (!config.deliveryQueueUrl) throw new Error('No delivery queue configured for this function');
    const client = instrumented(
      config,
      'sqs',
      new SQSClient({ endpoint: config.sqsEndpoint, region: region(config) }),
    );
    return new SqsDeliveryQueue(client, config.deliveryQueueUrl, config.parkedQueueUrl);
  },
} satisfies PortFactories;

export const eventBridgePorts = {
  publisher: (config) => {
    if (config.publisher) return config.publisher;
    if (!config.eventBusName) throw new Error('No event bus configured for this function');
    const client = instrumented(
      config,
      'eventbridge',
      new EventBridgeClient({ endpoint: config.eventBridgeEndpoint, region: region(config) }),
    );
    return new EventBridgePublisher(client, config.eventBusName);
  },
} satisfies PortFactories;

/**
 * The escalation Tasks touch endpoints and accounts only: without the delivery-history adapters,
 * their bundle (three more SDK clients) stays under budget.
 */
export const endpointPorts = { accounts: accountsPort, webhooks: webhooksPort } satisfies PortFactories;

/** deliver: starts the escalation state machine (Step Functions). */
export const escalationStarterPorts = {
  escalation: (config) => {
    if (config.escalation) return config.escalation;
    if (!config.escalationStateMachineArn) throw new Error('No escalation state machine configured');
    return new SfnEscalationStarter(
      new SFNClient({ region: region(config) }),
      config.escalationStateMachineArn,
    );
  },
} satisfies PortFactories;

/** SES v2 from `alertSenderEmail`; without one, each mail is logged and skipped. */
const mailerPort = (config: RuntimeConfig): Mailer => {
  if (config.mailer) return config.mailer;
  if (!config.alertSenderEmail) {
    return new SkippingMailer((message) =>
      log.warn('alert email skipped: the deployment has no alertSenderEmail', { subject: message.subject }),
    );
  }
  return new SesMailer(new SESv2Client({ region: region(config) }), config.alertSenderEmail);
};

/** The escalation Tasks: alert emails (SES v2), the ops topic (SNS), operational events (ingest queue). */
export const alertPorts = {
  mailer: mailerPort,
  opsNotifier: (config) => {
    if (config.opsNotifier) return config.opsNotifier;
    if (!config.opsTopicArn) throw new Error('No ops topic configured for this function');
    return new SnsOpsNotifier(new SNSClient({ region: region(config) }), config.opsTopicArn);
  },
  operationalEvents: (config) => {
    if (config.operationalEvents) return config.operationalEvents;
    if (!config.ingestQueueUrl) throw new Error('No ingest queue configured for this function');
    const client = instrumented(
      config,
      'sqs',
      new SQSClient({ endpoint: config.sqsEndpoint, region: region(config) }),
    );
    return new SqsOperationalEvents(client, config.ingestQueueUrl);
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
    planLimits: config.planLimits ?? DEFAULT_PLAN_LIMITS,
    escalationSettings: {
      waitSeconds: config.escalationWaitSeconds ?? DEFAULT_ESCALATION_WAIT_SECONDS,
      apiBaseUrl: config.apiBaseUrl,
      recoveryCooldownSeconds: config.recoveryCooldownSeconds ?? DEFAULT_RECOVERY_COOLDOWN_SECONDS,
      alertEmailsPerDay: config.alertEmailsPerDay ?? DEFAULT_ALERT_EMAILS_PER_DAY,
    },
  };
  const names = [
    'accounts',
    'alertEmails',
    'apiKeys',
    'eventTypes',
    'webhooks',
    'deliveries',
    'idempotency',
    'stats',
    'usage',
    'webhookCounter',
    'queue',
    'publisher',
    'cipher',
    'sender',
    'escalation',
    'mailer',
    'opsNotifier',
    'operationalEvents',
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
  ...escalationStarterPorts,
  ...alertPorts,
});

/** Each Lambda's dependencies, built once per container from its environment and only its clients. */
const fromEnv = (factories: () => PortFactories) =>
  lazy(() => createDependencies(configFromEnv(), factories()));
/** fromEnv for a function that enforces no plan quota (see configWithoutPlanLimits). */
const fromEnvWithoutPlanLimits = (factories: () => PortFactories) =>
  lazy(() => createDependencies(configWithoutPlanLimits(), factories()));

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
  ...escalationStarterPorts,
}));
export const escalationDependencies = /* @__PURE__ */ fromEnvWithoutPlanLimits(() => ({
  ...endpointPorts,
  ...alertPorts,
}));
/** The reconciler also sends queued alert-address confirmation mails (SES v2). */
export const reconcilerDependencies = /* @__PURE__ */ fromEnv(() => ({
  ...dynamoDbPorts,
  ...sqsPorts,
  mailer: mailerPort,
}));

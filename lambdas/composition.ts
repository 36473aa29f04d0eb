import { SNSClient } from '@aws-sdk/client-sns';
import { systemResolver } from './adapters/dns-resolver.js';
import { DynamoAccountPurgeRepository } from './adapters/dynamodb/account-purge-store.js';
import { DynamoAccountRepository } from './adapters/dynamodb/account-store.js';
import { DynamoAlertEmailRepository } from './adapters/dynamodb/alert-email-store.js';
import { DynamoApiKeyRepository } from './adapters/dynamodb/api-key-store.js';
import { createDocumentClient } from './adapters/dynamodb/client.js';
import { DynamoDeliveryRepository } from './adapters/dynamodb/delivery-store.js';
import { DynamoEndpointHealthRepository } from './adapters/dynamodb/endpoint-health-store.js';
import { DynamoEventLog } from './adapters/dynamodb/event-log-store.js';
import { DynamoEventRepository } from './adapters/dynamodb/event-store.js';
import { DynamoEventTypeRepository } from './adapters/dynamodb/event-type-store.js';
import { DynamoHistoryPurgeRepository } from './adapters/dynamodb/history-purge-store.js';
import { DynamoIdempotencyRepository } from './adapters/dynamodb/idempotency-store.js';
import { DynamoPortalLinkRepository } from './adapters/dynamodb/portal-link-store.js';
import { DynamoRecoverRepository } from './adapters/dynamodb/recover-store.js';
import { DynamoStatsRepository } from './adapters/dynamodb/stats-store.js';
import { DynamoUsageRepository } from './adapters/dynamodb/usage-store.js';
import { DynamoWebhookCounter } from './adapters/dynamodb/webhook-count-store.js';
import { DynamoWebhookRepository } from './adapters/dynamodb/webhook-store.js';
import { EventBridgePublisher } from './adapters/eventbridge-publisher.js';
import { HttpWebhookSender } from './adapters/http-sender.js';
import { AesGcmSecretCipher, secretsManagerKey } from './adapters/secret-cipher.js';
import { SesMailer, SkippingMailer } from './adapters/ses-mailer.js';
import { SfnEscalationStarter } from './adapters/sfn-escalation.js';
import { SnsOpsNotifier } from './adapters/sns-ops-notifier.js';
import { SqsOperationalEvents } from './adapters/sqs-operational-events.js';
import { SqsDeliveryQueue } from './adapters/sqs-queue.js';
import { LeanEventBridgeClient } from './aws/lean/eventbridge.js';
import { LeanSesV2Client } from './aws/lean/sesv2.js';
import { LeanSfnClient } from './aws/lean/sfn.js';
import { LeanSqsClient } from './aws/lean/sqs.js';
import {
  type ClientInstrument,
  configFromEnv,
  configWithoutPlanLimits,
  type InstrumentableClient,
  type RuntimeConfig,
  required,
} from './config.js';
import {
  DEFAULT_ALERT_EMAILS_PER_DAY,
  DEFAULT_ESCALATION_WAIT_SECONDS,
  DEFAULT_RECOVERY_COOLDOWN_SECONDS,
} from './domain/escalation.js';
import { DEFAULT_PLAN_LIMITS } from './domain/plans.js';
import type { Mailer } from './domain/ports/alerting.js';
import { log } from './logging.js';
import { withRememberedAccounts, withRememberedEventTypes } from './services/cached-lookups.js';
import { CoalescedQueue } from './services/coalesced-queue.js';
import { CoalescedUsage } from './services/coalesced-usage.js';
import type { Dependencies } from './services/dependencies.js';
import { withBuiltInEventTypes } from './services/event-catalog.js';

/**
 * The one place that wires ports to adapters. Lambda builds from environment variables (set by the
 * CDK construct); the local runtime passes a RuntimeConfig pointing at its local twins. Each port is
 * built on first use, so a function only creates the clients it actually calls.
 */

function instrumented<T>(config: RuntimeConfig, service: Parameters<ClientInstrument>[0], client: T): T {
  config.instrument?.(service, client as unknown as InstrumentableClient);
  return client;
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
const endpointHealthPort = (config: RuntimeConfig) =>
  new DynamoEndpointHealthRepository(doc(config), config.configTableName);
const alertEmailsPort = (config: RuntimeConfig) =>
  new DynamoAlertEmailRepository(doc(config), config.configTableName);

/** The adapter groups, by the AWS client they need: a function wires only the groups it uses. */
/** The config table's stores: tenants, keys, the catalog, endpoints and their health, quotas. */
export const configTablePorts = {
  accounts: accountsPort,
  alertEmails: alertEmailsPort,
  accountPurges: (config) => new DynamoAccountPurgeRepository(doc(config), config.configTableName),
  apiKeys: (config) => new DynamoApiKeyRepository(doc(config), config.configTableName),
  portalLinks: (config) => new DynamoPortalLinkRepository(doc(config), config.configTableName),
  // Operational event types (endpoint.failing, …) are built into the catalog (docs/escalation.md).
  eventTypes: (config) =>
    withBuiltInEventTypes(new DynamoEventTypeRepository(doc(config), config.configTableName)),
  webhooks: webhooksPort,
  endpointHealth: endpointHealthPort,
  usage: (config) => new DynamoUsageRepository(doc(config), config.configTableName),
  webhookCounter: (config) => new DynamoWebhookCounter(doc(config), config.configTableName),
} satisfies PortFactories;

/** The deliveries table's stores: events, deliveries and their attempts, purges, idempotency, stats. */
export const deliveriesTablePorts = {
  events: (config) => new DynamoEventRepository(doc(config), config.deliveriesTableName, retention(config)),
  deliveries: (config) =>
    new DynamoDeliveryRepository(doc(config), config.deliveriesTableName, retention(config)),
  eventLog: (config) => new DynamoEventLog(doc(config), config.deliveriesTableName, retention(config)),
  historyPurges: (config) => new DynamoHistoryPurgeRepository(doc(config), config.deliveriesTableName),
  idempotency: (config) =>
    new DynamoIdempotencyRepository(doc(config), config.deliveriesTableName, retention(config)),
  stats: (config) => new DynamoStatsRepository(doc(config), config.deliveriesTableName, retention(config)),
} satisfies PortFactories;

/** Recovers in progress: only the functions that start or carry them on (management, reconciler). */
export const recoverPorts = {
  recovers: (config) =>
    new DynamoRecoverRepository(doc(config), config.deliveriesTableName, retention(config)),
} satisfies PortFactories;

/** Both groups. A pure call, not an object spread, so a bundle that uses neither drops them both. */
const merged = <A extends PortFactories, B extends PortFactories>(a: A, b: B): A & B => ({ ...a, ...b });
export const dynamoDbPorts = /* @__PURE__ */ merged(configTablePorts, deliveriesTablePorts);

export const sqsPorts = {
  queue: (config) => {
    if (!config.deliveryQueueUrl) throw new Error('No delivery queue configured for this function');
    const client = instrumented(
      config,
      'sqs',
      new LeanSqsClient({ endpoint: config.sqsEndpoint, region: region(config) }),
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
      new LeanEventBridgeClient({ endpoint: config.eventBridgeEndpoint, region: region(config) }),
    );
    return new EventBridgePublisher(client, config.eventBusName);
  },
} satisfies PortFactories;

/**
 * The escalation Tasks touch endpoints (their configuration and health) and accounts only: without the delivery-history adapters,
 * their bundle (three more SDK clients) stays under budget.
 */
export const endpointPorts = {
  accounts: accountsPort,
  webhooks: webhooksPort,
  endpointHealth: endpointHealthPort,
} satisfies PortFactories;

/** deliver: starts the escalation state machine (Step Functions). */
export const escalationStarterPorts = {
  escalation: (config) => {
    if (config.escalation) return config.escalation;
    if (!config.escalationStateMachineArn) throw new Error('No escalation state machine configured');
    return new SfnEscalationStarter(
      new LeanSfnClient({ region: region(config) }),
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
  return new SesMailer(new LeanSesV2Client({ region: region(config) }), config.alertSenderEmail);
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
      new LeanSqsClient({ endpoint: config.sqsEndpoint, region: region(config) }),
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

const systemClock = { now: () => new Date() };
const clockOf = (config: RuntimeConfig) => config.clock ?? systemClock;

/**
 * Dependencies whose ports are built on first use from the given factories. A port a function did
 * not wire throws when touched: a wiring mistake shows up at once, not as a wrong adapter.
 */
export function createDependencies(config: RuntimeConfig, factories: PortFactories): Dependencies {
  const dependencies: Record<string, unknown> = {
    resolve: config.resolve ?? systemResolver,
    clock: clockOf(config),
    portalUrl: config.portalUrl,
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
    'accountPurges',
    'alertEmails',
    'apiKeys',
    'portalLinks',
    'eventTypes',
    'webhooks',
    'endpointHealth',
    'events',
    'deliveries',
    'eventLog',
    'historyPurges',
    'idempotency',
    'recovers',
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
  ...recoverPorts,
  ...sqsPorts,
  ...eventBridgePorts,
  ...secretPorts,
  ...outboundPorts,
  ...escalationStarterPorts,
  ...alertPorts,
});

/**
 * The adapter groups of each Lambda function, by handler entry (`lambdas/<name>.ts`): the one list
 * of what each function may touch. test/infra/function-wiring.test.ts checks it against the
 * environment and the permissions the CDK construct gives each function.
 */
// The authorizer and the admin API are granted the config table only (lib/service-functions.ts).
const authorizerPorts = () => configTablePorts;
const adminPorts = () => configTablePorts;
const publishPorts = () => ({ ...dynamoDbPorts, ...eventBridgePorts });
const managementPorts = () => ({
  ...dynamoDbPorts,
  ...recoverPorts,
  ...sqsPorts,
  ...secretPorts,
  ...outboundPorts,
});
/**
 * Fan-out's own ways with the config table (docs/cost.md): it remembers the event catalog and
 * accounts for a minute per container (option 7; docs/quotas.md: the APIs keep reading them per
 * request), counts a wave of one account's events in one usage write (option 4), and sends the
 * jobs of concurrent fan-outs in full SendMessageBatch calls.
 */
export const fanoutOnlyPorts = {
  accounts: (config) => withRememberedAccounts(accountsPort(config), clockOf(config)),
  eventTypes: (config) => withRememberedEventTypes(configTablePorts.eventTypes(config), clockOf(config)),
  usage: (config) => new CoalescedUsage(configTablePorts.usage(config)),
  queue: (config) => new CoalescedQueue(sqsPorts.queue(config)),
} satisfies PortFactories;
const fanoutPorts = () => ({ ...dynamoDbPorts, ...sqsPorts, ...fanoutOnlyPorts });
const deliverPorts = () => ({
  ...dynamoDbPorts,
  ...sqsPorts,
  ...secretPorts,
  ...outboundPorts,
  ...escalationStarterPorts,
});
const escalationPorts = () => ({ ...endpointPorts, ...alertPorts });
/** The reconciler also sends queued alert-address confirmation mails (SES v2). */
const reconcilerPorts = () => ({ ...dynamoDbPorts, ...recoverPorts, ...sqsPorts, mailer: mailerPort });

export const FUNCTION_PORTS = {
  authorizer: authorizerPorts,
  'admin-api': adminPorts,
  'publish-api': publishPorts,
  'management-api': managementPorts,
  fanout: fanoutPorts,
  deliver: deliverPorts,
  escalation: escalationPorts,
  reconciler: reconcilerPorts,
} as const satisfies Record<string, () => PortFactories>;
export type FunctionName = keyof typeof FUNCTION_PORTS;

/** A function's dependencies from an environment (its Lambda's, or a synthesized template's). */
export function dependenciesFromEnv(name: FunctionName, env: NodeJS.ProcessEnv): Dependencies {
  const config = name === 'escalation' ? configWithoutPlanLimits(env) : configFromEnv(env);
  return createDependencies(config, FUNCTION_PORTS[name]());
}

/** Each Lambda's dependencies, built once per container from its environment and only its clients. */
const fromEnv = (factories: () => PortFactories) =>
  lazy(() => createDependencies(configFromEnv(), factories()));
/** fromEnv for a function that enforces no plan quota (see configWithoutPlanLimits). */
const fromEnvWithoutPlanLimits = (factories: () => PortFactories) =>
  lazy(() => createDependencies(configWithoutPlanLimits(), factories()));

export const authorizerDependencies = /* @__PURE__ */ fromEnv(authorizerPorts);
export const adminDependencies = /* @__PURE__ */ fromEnv(adminPorts);
export const publishDependencies = /* @__PURE__ */ fromEnv(publishPorts);
export const managementDependencies = /* @__PURE__ */ fromEnv(managementPorts);
export const fanoutDependencies = /* @__PURE__ */ fromEnv(fanoutPorts);
export const deliverDependencies = /* @__PURE__ */ fromEnv(deliverPorts);
export const escalationDependencies = /* @__PURE__ */ fromEnvWithoutPlanLimits(escalationPorts);
export const reconcilerDependencies = /* @__PURE__ */ fromEnv(reconcilerPorts);

import { fileKey, type MasterKeySource } from './adapters/secret-cipher.js';
import type { PlanLimits } from './domain/plans.js';
import { parsePlanLimits } from './domain/plans.js';
import type { EscalationStarter, Mailer, OpsNotifier } from './domain/ports/alerting.js';
import type { Clock } from './domain/ports/clock.js';
import type { HostResolver } from './domain/ports/outbound-http.js';
import type { EventPublisher, OperationalEventSink } from './domain/ports/queues.js';

/**
 * What a function's adapters are built from. Lambda reads it from environment variables (set by the
 * CDK construct, lib/webhook-function.ts); the local runtime passes one pointing at its local twins.
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
  /** The customer portal's base URL, which links are minted against; absent: no portal (409). */
  readonly portalUrl?: string;
  /** The clock of every use case; the system clock when absent (tests move it). */
  readonly clock?: Clock;
}

/** The part of an SDK v3 client an instrument uses: its middleware stack. */
export interface InstrumentableClient {
  readonly middlewareStack: { add(middleware: never, options: { step: 'initialize'; name: string }): void };
}
export type ClientInstrument = (
  service: 'dynamodb' | 'sqs' | 'eventbridge',
  client: InstrumentableClient,
) => void;

export function required(env: NodeJS.ProcessEnv, name: string): string {
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
export function configWithoutPlanLimits(env: NodeJS.ProcessEnv = process.env): RuntimeConfig {
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
    portalUrl: env.PORTAL_URL || undefined,
    recoveryCooldownSeconds: wholeNumber(env.RECOVERY_COOLDOWN_SECONDS),
    alertEmailsPerDay: wholeNumber(env.ALERT_EMAILS_PER_DAY),
  };
}

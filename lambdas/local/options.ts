import type { SQSClient } from '@aws-sdk/client-sqs';
import type { ClientInstrument } from '../config.js';
import type { PlanLimitOverrides } from '../domain/plans.js';
import type { Clock } from '../domain/ports/clock.js';
import type { HostResolver } from '../domain/ports/outbound-http.js';
import type { Dependencies } from '../services/dependencies.js';
import type { SqsHandler } from './sqs-poller.js';
import type { LocalExecution } from './step-functions.js';

/** What `startLocalRuntime` (runtime.ts) takes and what it hands back. */

/** The tables the local runtime creates in its DynamoDB twin. */
export const LOCAL_TABLES = { config: 'webhooks-config', deliveries: 'webhooks-deliveries' } as const;

/** The API functions, by name in the topology (their timeouts apply in the API Gateway twin). */
export type ApiFunctionName = 'management-api' | 'publish-api' | 'admin-api';

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
  /** Origins allowed to frame the portal (its CSP frame-ancestors). @default none: not framable */
  readonly portalFrameAncestors?: readonly string[];
  /** The use cases' clock (tests move it to expire portal links and sessions); the system clock by default. */
  readonly clock?: Clock;
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
   * Delivery jobs per deliver invocation, gathered within a second as Lambda does above 10. The
   * construct deploys 100 (`deliveryBatchSize`); locally 10, so a laptop's deliveries never wait
   * for a batch to fill. The bench sets what AWS runs.
   * @default 10
   */
  readonly deliveryBatchSize?: number;
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
  /** A one-time portal link for the local account, minted at start (docs/portal.md). */
  readonly portalLink: { readonly url: string; readonly expiresAt: string };
  readonly dependencies: Dependencies;
  readonly queueUrls: QueueUrls;
  readonly sqs: SQSClient;
  /** The bound endpoint the real EventBridge SDK client can be pointed at. */
  readonly eventBridgeEndpoint: string;
  /** The local engines and tables, for tools that run handlers in another process (the bench). */
  readonly engines: {
    readonly dynamoDbEndpoint: string;
    readonly sqsEndpoint: string;
    readonly tables: typeof LOCAL_TABLES;
  };
  /** Where alert emails are written, one JSON file each: {to, subject, text, sent_at}. */
  readonly outboxDir: string;
  /** The ops topic twin: one JSON line per escalation transition. */
  readonly opsTopicLog: string;
  /** The local escalation executions (Step Functions twin). */
  readonly escalations: { list(): LocalExecution[] };
  stop(): Promise<void>;
}

/** A value for each queue the service's roles name (ingest, delivery, their dead-letter queues, parked). */
export type QueueUrls = Record<keyof QueueTopology['roles'], string>;

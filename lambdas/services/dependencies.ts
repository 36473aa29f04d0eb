import type { PlanLimits } from '../domain/plans.js';
import type { EscalationStarter, Mailer, OpsNotifier } from '../domain/ports/alerting.js';
import type { Clock } from '../domain/ports/clock.js';
import type {
  AccountPurgeRepository,
  AccountRepository,
  AlertEmailRepository,
  ApiKeyRepository,
  EventTypeRepository,
  WebhookRepository,
} from '../domain/ports/config-stores.js';
import type {
  DeliveryRepository,
  EventLog,
  EventRepository,
  HistoryPurgeRepository,
  IdempotencyRepository,
  RecoverRepository,
  StatsRepository,
} from '../domain/ports/delivery-stores.js';
import type { EndpointHealthRepository } from '../domain/ports/endpoint-health.js';
import type { HostResolver, WebhookSender } from '../domain/ports/outbound-http.js';
import type { PortalLinkRepository } from '../domain/ports/portal-links.js';
import type { DeliveryQueue, EventPublisher, OperationalEventSink } from '../domain/ports/queues.js';
import type { UsageRepository, WebhookCounter } from '../domain/ports/quota-stores.js';
import type { SecretCipher } from '../domain/ports/secrets.js';
import type { TargetPolicy } from '../domain/url-safety.js';

/**
 * Everything the use cases need, as ports. lambdas/composition.ts builds one of these for Lambda
 * (AWS adapters) and the local runtime builds one with local twins; the handlers are the same.
 */
export interface Dependencies {
  readonly accounts: AccountRepository;
  /** Account deletions in progress and the items only they remove. */
  readonly accountPurges: AccountPurgeRepository;
  /** Alert addresses tenants named, their confirmation mails and tokens. */
  readonly alertEmails: AlertEmailRepository;
  /** API keys and portal session keys, by hash. */
  readonly apiKeys: ApiKeyRepository;
  /** One-time portal links (docs/portal.md). */
  readonly portalLinks: PortalLinkRepository;
  /** The customer portal's base URL (`PORTAL_URL`); absent while the deployment has no portal. */
  readonly portalUrl: string | undefined;
  readonly eventTypes: EventTypeRepository;
  /** Endpoint configuration and subscriptions. */
  readonly webhooks: WebhookRepository;
  /** Failure streaks, failing episodes and the alert-mail cap of each endpoint. */
  readonly endpointHealth: EndpointHealthRepository;
  /** Event payloads, stored once per event, with fan-out's quota decision. */
  readonly events: EventRepository;
  readonly deliveries: DeliveryRepository;
  /** The account's event log: each event with the endpoints it was fanned out to. */
  readonly eventLog: EventLog;
  /** The purges of deleted endpoints' delivery histories. */
  readonly historyPurges: HistoryPurgeRepository;
  readonly idempotency: IdempotencyRepository;
  /** Recovers in progress (POST /v1/webhooks/{id}/recover), carried on by the reconciler. */
  readonly recovers: RecoverRepository;
  readonly stats: StatsRepository;
  readonly usage: UsageRepository;
  /** The per-account webhook counter that enforces the plan's webhook limit. */
  readonly webhookCounter: WebhookCounter;
  readonly queue: DeliveryQueue;
  readonly publisher: EventPublisher;
  readonly cipher: SecretCipher;
  readonly resolve: HostResolver;
  readonly sender: WebhookSender;
  readonly clock: Clock;
  readonly targetPolicy: TargetPolicy;
  /** Starts the escalation of a failing episode (deliver). */
  readonly escalation: EscalationStarter;
  /** Alert emails, the ops topic and the operational events on the bus (escalation tasks). */
  readonly mailer: Mailer;
  readonly opsNotifier: OpsNotifier;
  readonly operationalEvents: OperationalEventSink;
  readonly escalationSettings: EscalationSettings;
  /** The deployment's plan quotas (defaults from the seed, overridable per deployment). */
  readonly planLimits: PlanLimits;
}

export interface EscalationSettings {
  /** The execution's wait before the re-check (the Wait state's SecondsPath). */
  readonly waitSeconds: number;
  /** Base URL of the REST API, for the links in alerts; absent when unknown. */
  readonly apiBaseUrl?: string;
  /** How long an endpoint must stay healthy before its episode closes (a webhook may override). */
  readonly recoveryCooldownSeconds: number;
  /** Alert mails one endpoint may send per UTC day; beyond, only the ops topic and bus hear. */
  readonly alertEmailsPerDay: number;
}

/** Handlers take a getter so a Lambda builds its adapters on first use, not at import time. */
export type DependenciesProvider = () => Dependencies;

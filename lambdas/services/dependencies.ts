import type {
  AccountRepository,
  ApiKeyRepository,
  Clock,
  DeliveryQueue,
  DeliveryRepository,
  EventPublisher,
  EventTypeRepository,
  HostResolver,
  IdempotencyRepository,
  SecretCipher,
  StatsRepository,
  WebhookRepository,
  WebhookSender,
} from '../domain/ports.js';
import type { TargetPolicy } from '../domain/url-safety.js';

/**
 * Everything the use cases need, as ports. lambdas/composition.ts builds one of these for Lambda
 * (AWS adapters) and the local runtime builds one with local twins; the handlers are the same.
 */
export interface Dependencies {
  readonly accounts: AccountRepository;
  readonly apiKeys: ApiKeyRepository;
  readonly eventTypes: EventTypeRepository;
  readonly webhooks: WebhookRepository;
  readonly deliveries: DeliveryRepository;
  readonly idempotency: IdempotencyRepository;
  readonly stats: StatsRepository;
  readonly queue: DeliveryQueue;
  readonly publisher: EventPublisher;
  readonly cipher: SecretCipher;
  readonly resolve: HostResolver;
  readonly sender: WebhookSender;
  readonly clock: Clock;
  readonly targetPolicy: TargetPolicy;
}

/** Handlers take a getter so a Lambda builds its adapters on first use, not at import time. */
export type DependenciesProvider = () => Dependencies;

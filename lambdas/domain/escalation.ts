import { eventIdFromBusEvent } from './ids.js';
import { quoted, safeLine } from './mail-text.js';
import type { EventType, FailureState, Webhook, WebhookEvent } from './model.js';

/**
 * Escalation of persistently failing endpoints (docs/escalation.md), as pure decisions: when a
 * failed attempt opens a failing episode, what the re-check after the wait concludes, and what the
 * alerts and operational events say. No I/O: lambdas/services/escalation.ts runs them.
 */

/** Deployed default of the wait between the "failing" alert and the re-check (72 hours). */
export const DEFAULT_ESCALATION_WAIT_SECONDS = 72 * 3600;

export const OPERATIONAL_EVENT_TYPES = [
  'endpoint.failing',
  'endpoint.recovered',
  'endpoint.disabled',
] as const;
export type OperationalEventType = (typeof OPERATIONAL_EVENT_TYPES)[number];
export type Transition = 'failing' | 'recovered' | 'disabled';

export const isOperationalEventType = (type: string): type is OperationalEventType =>
  (OPERATIONAL_EVENT_TYPES as readonly string[]).includes(type);

/**
 * The operational event types are built in: always listed by GET /v1/event-types, subscribable
 * like any other, never stored in (or overwritten through) the catalog.
 */
export const BUILT_IN_EVENT_TYPES: readonly Omit<EventType, 'updatedAt'>[] = [
  {
    name: 'endpoint.failing',
    description:
      'One of your endpoints reached its consecutive-failure threshold; it is disabled if it has not recovered when the escalation wait ends',
    example: {
      webhook_id: 'wh_0123456789abcdefghjk',
      name: 'Orders endpoint',
      url: 'https://example.com/hooks',
      episode: 1,
      consecutive_failures: 3,
      failure_threshold: 3,
      last_status_code: 500,
      last_error: null,
      last_delivery_id: 'dlv_01hx0000000000000000000000_0123456789abcdefghjk',
      last_event_type: 'order.created',
      disables_at: '2025-01-18T10:00:00.000Z',
    },
  },
  {
    name: 'endpoint.recovered',
    description: 'An endpoint that was failing answered 2xx again before it was disabled',
    example: {
      webhook_id: 'wh_0123456789abcdefghjk',
      name: 'Orders endpoint',
      url: 'https://example.com/hooks',
      episode: 1,
    },
  },
  {
    name: 'endpoint.disabled',
    description: 'An endpoint kept failing through the escalation wait and was disabled',
    example: {
      webhook_id: 'wh_0123456789abcdefghjk',
      name: 'Orders endpoint',
      url: 'https://example.com/hooks',
      episode: 1,
      disabled_reason: 'Disabled after 3 consecutive failed attempts',
    },
  },
];

export const TRANSITION_EVENT_TYPE: Readonly<Record<Transition, OperationalEventType>> = {
  failing: 'endpoint.failing',
  recovered: 'endpoint.recovered',
  disabled: 'endpoint.disabled',
};

/**
 * Whether a failed attempt of `event` counts toward `webhookId`'s escalation. Deliveries of an
 * operational event about the endpoint itself never do: an endpoint subscribed to its own failure
 * events must not feed its own escalation (the loop would otherwise be bounded only by the wait).
 */
export function countsTowardEscalation(
  event: Pick<WebhookEvent, 'type' | 'data'>,
  webhookId: string,
): boolean {
  if (!isOperationalEventType(event.type)) return true;
  const data = event.data as { webhook_id?: unknown } | null | undefined;
  return data?.webhook_id !== webhookId;
}

export type AfterFailure =
  /** Below the threshold, or the episode's execution is already running. */
  | { readonly kind: 'none' }
  /** Crossed the threshold with no episode open: open one (conditional write), then start it. */
  | { readonly kind: 'open' }
  /**
   * An episode is open but its execution was never confirmed started (a crash or an error between
   * the two writes): start it again under the same name, which is a no-op if it did start.
   */
  | { readonly kind: 'resume'; readonly episode: number };

export function afterFailure(state: FailureState, threshold: number): AfterFailure {
  if (state.consecutiveFailures < threshold) return { kind: 'none' };
  if (state.episodeState === 'closed') return { kind: 'open' };
  if (state.episodeState === 'open') return { kind: 'resume', episode: state.episode };
  return { kind: 'none' };
}

/** Step Functions execution names: 1-80 characters of [0-9A-Za-z_-]. One per endpoint and episode. */
export function executionName(webhookId: string, episode: number): string {
  return `${webhookId}-${episode}`.replace(/[^0-9A-Za-z_-]/g, '_').slice(0, 80);
}

/** What the execution carries (JSONPath `$`); built by the delivery path when it starts one. */
export interface EscalationInput {
  readonly accountId: string;
  readonly webhookId: string;
  readonly episode: number;
  readonly consecutiveFailures: number;
  readonly threshold: number;
  readonly lastStatusCode: number | null;
  readonly lastError: string | null;
  readonly lastDeliveryId: string;
  readonly lastEventType: string;
  /** ISO 8601: the failed attempt that crossed the threshold. */
  readonly failedAt: string;
  /** The Wait state's SecondsPath. */
  readonly waitSeconds: number;
}

const LAST_ERROR_LIMIT = 500;

export function escalationInput(input: {
  webhook: Pick<Webhook, 'id' | 'accountId' | 'alerting'>;
  episode: number;
  consecutiveFailures: number;
  attempt: { statusCode?: number; error?: string; finishedAt: string };
  deliveryId: string;
  eventType: string;
  waitSeconds: number;
}): EscalationInput {
  return {
    accountId: input.webhook.accountId,
    webhookId: input.webhook.id,
    episode: input.episode,
    consecutiveFailures: input.consecutiveFailures,
    threshold: input.webhook.alerting.failureThreshold,
    lastStatusCode: input.attempt.statusCode ?? null,
    lastError: input.attempt.error?.slice(0, LAST_ERROR_LIMIT) ?? null,
    lastDeliveryId: input.deliveryId,
    lastEventType: input.eventType,
    failedAt: input.attempt.finishedAt,
    waitSeconds: input.waitSeconds,
  };
}

/** Deployed default of the recovery cool-down (docs/escalation.md, "Flapping"). */
export const DEFAULT_RECOVERY_COOLDOWN_SECONDS = 600;
/** Deployed default of the alert mails one endpoint may send per UTC day. */
export const DEFAULT_ALERT_EMAILS_PER_DAY = 3;

export type RecheckOutcome =
  /** The episode ended while the execution waited (closed by a re-enable, or after the cool-down). */
  | { readonly outcome: 'recovered' }
  /** Healthy for the whole cool-down: close the episode (conditionally), then it is recovered. */
  | { readonly outcome: 'healthy'; readonly healthySince: string }
  /** Healthy, but not for the cool-down yet: check again in `waitSeconds`. */
  | { readonly outcome: 'cooling'; readonly waitSeconds: number }
  /** Still the same episode, still active, failing now: disable. */
  | { readonly outcome: 'failing' }
  /** Nothing left to do: deleted, paused or disabled meanwhile, or a newer episode took over. */
  | { readonly outcome: 'ended'; readonly reason: string };

/**
 * How long after the wait an execution keeps re-checking an endpoint that is healthy whenever it
 * looks but never for a whole cool-down (the execution must end within its timeout, a day past the
 * wait): after this, healthy-now counts as recovered.
 */
export const MAX_COOLING_SECONDS = 12 * 3600;

export function recheck(input: {
  episode: number;
  webhook: Pick<Webhook, 'status'> | undefined;
  state: FailureState | undefined;
  now: Date;
  cooldownSeconds: number;
  /** When the execution's wait ended (failedAt + waitSeconds); absent: no bound. */
  waitEndedAt?: Date;
}): RecheckOutcome {
  const { webhook, state } = input;
  if (!webhook || !state) return { outcome: 'ended', reason: 'endpoint_deleted' };
  // A newer episode has its own execution (and its own alerts); this one only stops.
  if (state.episode !== input.episode) return { outcome: 'ended', reason: 'superseded' };
  if (webhook.status !== 'active') return { outcome: 'ended', reason: `endpoint_${webhook.status}` };
  if (state.episodeState === 'closed') return { outcome: 'recovered' };
  if (state.consecutiveFailures > 0) return { outcome: 'failing' };
  // No failure since the last 2xx. Without a recorded start (an item from before cool-downs), the
  // spell counts as long enough.
  const since = state.healthySince ?? new Date(0).toISOString();
  const healthyMs = input.now.getTime() - Date.parse(since);
  const remainingMs = input.cooldownSeconds * 1000 - healthyMs;
  if (remainingMs <= 0) return { outcome: 'healthy', healthySince: since };
  if (input.waitEndedAt && input.now.getTime() - input.waitEndedAt.getTime() >= MAX_COOLING_SECONDS * 1000) {
    return { outcome: 'healthy', healthySince: since };
  }
  return { outcome: 'cooling', waitSeconds: Math.max(1, Math.ceil(remainingMs / 1000)) };
}

/** A webhook's own cool-down, else the deployment's. */
export const cooldownOf = (
  webhook: Pick<Webhook, 'alerting'> | undefined,
  deploymentDefault: number,
): number => webhook?.alerting.recoveryCooldownSeconds ?? deploymentDefault;

/** The UTC day an alert mail counts toward (the per-endpoint daily cap). */
export const mailDay = (now: Date): string => now.toISOString().slice(0, 10);

export const disabledReason = (input: Pick<EscalationInput, 'consecutiveFailures' | 'waitSeconds'>): string =>
  `Disabled by escalation: ${input.consecutiveFailures} consecutive failed attempts and no successful delivery within ${humanDuration(input.waitSeconds)}`;

export function humanDuration(seconds: number): string {
  if (seconds % 86_400 === 0) return plural(seconds / 86_400, 'day');
  if (seconds % 3600 === 0) return plural(seconds / 3600, 'hour');
  if (seconds % 60 === 0) return plural(seconds / 60, 'minute');
  return plural(seconds, 'second');
}

const plural = (n: number, unit: string): string => `${n} ${unit}${n === 1 ? '' : 's'}`;

/** A webhook's failed deliveries in the tenant API (needs the account's API key). */
export function deliveriesLink(apiBaseUrl: string | undefined, webhookId: string): string {
  const path = `/v1/webhooks/${webhookId}/deliveries?status=failed`;
  return apiBaseUrl ? `${apiBaseUrl.replace(/\/+$/, '')}${path}` : path;
}

/**
 * The webhook's page in the customer portal (docs/portal.md), when the deployment has one. It opens
 * only in a browser with a live portal session; without one the portal asks for a new link.
 */
export const portalWebhookLink = (portalUrl: string | undefined, webhookId: string): string | undefined =>
  portalUrl ? `${portalUrl.split('#')[0]}#/webhooks/${encodeURIComponent(webhookId)}` : undefined;

export interface AlertMessage {
  readonly subject: string;
  readonly text: string;
}

export interface AlertContext {
  readonly webhook: Pick<Webhook, 'id' | 'name' | 'url'>;
  readonly input: EscalationInput;
  readonly link: string;
  /** The webhook's page in the portal (portalWebhookLink); absent: no portal, no line. */
  readonly portalLink?: string;
  readonly disabledReason?: string;
}

/** Bounds of the tenant text in alerts (names are quoted, every piece is one safe line). */
const MAX_URL_IN_MAIL = 300;
const MAX_ERROR_IN_MAIL = 300;

/**
 * The email of a transition (also the SNS subject and message for the platform team). Tenant text
 * (the endpoint's name and URL, the receiver's error) is quoted or reduced to one bounded line
 * without control or bidi characters (lambdas/domain/mail-text.ts): it cannot add header lines or
 * disguise the rest of the message.
 */
export function alertMessage(transition: Transition, context: AlertContext): AlertMessage {
  const { webhook, input } = context;
  // Every alert ends with its links: the failed deliveries (API), then the webhook's portal page.
  const links = `Failed deliveries: ${context.link}${context.portalLink ? `\nOpen this webhook in the portal: ${context.portalLink}` : ''}`;
  const name = quoted(webhook.name);
  const endpoint = `${name} (${webhook.id}, ${safeLine(webhook.url, MAX_URL_IN_MAIL)})`;
  const wait = humanDuration(input.waitSeconds);
  switch (transition) {
    case 'failing': {
      const status = input.lastStatusCode === null ? 'no HTTP response' : `HTTP ${input.lastStatusCode}`;
      return {
        subject: `Webhook endpoint failing: ${name}`,
        text: [
          `Your webhook endpoint ${endpoint} has failed ${input.consecutiveFailures} consecutive delivery attempts (threshold ${input.threshold}).`,
          '',
          `Last attempt: ${input.failedAt}, ${input.lastEventType} event, delivery ${input.lastDeliveryId}`,
          `Last status: ${status}`,
          `Last error: ${input.lastError === null ? 'none' : safeLine(input.lastError, MAX_ERROR_IN_MAIL)}`,
          '',
          `If it does not deliver successfully within ${wait}, it will be disabled and receive no more events.`,
          links,
        ].join('\n'),
      };
    }
    case 'recovered':
      return {
        subject: `Webhook endpoint recovered: ${name}`,
        text: [
          `Your webhook endpoint ${endpoint} delivered successfully again; it stays active.`,
          '',
          `Deliveries that failed meanwhile can be retried: POST /v1/webhooks/${webhook.id}/retry-failed`,
          links,
        ].join('\n'),
      };
    case 'disabled':
      return {
        subject: `Webhook endpoint disabled: ${name}`,
        text: [
          `Your webhook endpoint ${endpoint} was disabled: ${safeLine(context.disabledReason ?? disabledReason(input), MAX_ERROR_IN_MAIL)}.`,
          'It receives no more events; deliveries due to it end as failed (endpoint_disabled).',
          '',
          `To re-enable it: PATCH /v1/webhooks/${webhook.id} {"status":"active"}, then POST /v1/webhooks/${webhook.id}/retry-failed to re-send what failed.`,
          links,
        ].join('\n'),
      };
  }
}

/** The data of the operational event a transition publishes on the service's bus. */
export function operationalEventData(transition: Transition, context: AlertContext): Record<string, unknown> {
  const { webhook, input } = context;
  const base = { webhook_id: webhook.id, name: webhook.name, url: webhook.url, episode: input.episode };
  switch (transition) {
    case 'failing':
      return {
        ...base,
        consecutive_failures: input.consecutiveFailures,
        failure_threshold: input.threshold,
        last_status_code: input.lastStatusCode,
        last_error: input.lastError,
        last_delivery_id: input.lastDeliveryId,
        last_event_type: input.lastEventType,
        disables_at: new Date(Date.parse(input.failedAt) + input.waitSeconds * 1000).toISOString(),
      };
    case 'recovered':
      return base;
    case 'disabled':
      return { ...base, disabled_reason: context.disabledReason ?? disabledReason(input) };
  }
}

/**
 * The operational event of a transition. Its id is derived from (transition, endpoint, episode), so
 * a retried Task publishes the same event again and fan-out's conditional writes deliver it once.
 * The id's time part (it orders delivery history) is when the transition was due.
 */
export function operationalEvent(
  transition: Transition,
  context: AlertContext,
  input: { accountId: string; now: Date },
): WebhookEvent {
  const failedAtMs = Date.parse(context.input.failedAt);
  const idTimeMs = transition === 'failing' ? failedAtMs : failedAtMs + context.input.waitSeconds * 1000;
  return {
    id: eventIdFromBusEvent(`${transition}:${context.webhook.id}:${context.input.episode}`, idTimeMs),
    accountId: input.accountId,
    type: TRANSITION_EVENT_TYPE[transition],
    data: operationalEventData(transition, context),
    timestamp: input.now.toISOString(),
  };
}

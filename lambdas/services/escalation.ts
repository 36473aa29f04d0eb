import { alertEmailStatus } from '../domain/alert-emails.js';
import { DomainError } from '../domain/errors.js';
import {
  type AlertContext,
  afterFailure,
  alertMessage,
  cooldownOf,
  countsTowardEscalation,
  deliveriesLink,
  disabledReason,
  type EscalationInput,
  escalationInput,
  mailDay,
  operationalEvent,
  operationalEventData,
  portalWebhookLink,
  type RecheckOutcome,
  recheck,
  type Transition,
} from '../domain/escalation.js';
import type { DeliveryAttempt, Webhook, WebhookEvent } from '../domain/model.js';
import type { Dependencies } from './dependencies.js';

/**
 * Escalation of persistently failing endpoints (docs/escalation.md). The delivery path counts
 * failures and starts one Step Functions execution per failing episode; the execution's Tasks call
 * the escalation Lambda, which runs the steps below: notify "failing", (wait), re-check, disable,
 * notify "recovered" / "disabled".
 */

// ---------------------------------------------------------------------------------------------
// Delivery path

export type EscalationOutcome =
  /** A delivery of an operational event about this very endpoint: not counted (no feedback loop). */
  | 'not_counted'
  /** Counted; below the threshold, or the episode is already escalated. */
  | 'counted'
  /** Counted; another delivery opened this episode a moment earlier. */
  | 'episode_already_open'
  | 'started'
  | 'resumed'
  /** The episode is open but its execution could not be started; the next failure tries again. */
  | 'start_failed';

/** The API always stores a threshold (default 3); an item without one is treated like the default. */
const FALLBACK_FAILURE_THRESHOLD = 3;
const thresholdOf = (webhook: Webhook): number =>
  webhook.alerting.failureThreshold >= 1 ? webhook.alerting.failureThreshold : FALLBACK_FAILURE_THRESHOLD;

export type FailureCountPorts = Pick<Dependencies, 'endpointHealth' | 'escalation' | 'escalationSettings'>;

/**
 * Counts a failed attempt, and when the streak reaches the endpoint's threshold with no episode
 * open, opens the next episode (one conditional write: concurrent deliveries cannot both open it)
 * and starts its execution, named after the episode (a repeated start is a no-op). Throws
 * DomainError('not_found') when the endpoint was deleted meanwhile.
 */
export async function escalateAfterFailure(
  deps: FailureCountPorts,
  input: {
    webhook: Webhook;
    event?: Pick<WebhookEvent, 'type' | 'data'>;
    deliveryId: string;
    eventType: string;
    attempt: DeliveryAttempt;
  },
): Promise<{ outcome: EscalationOutcome; episode?: number; error?: string }> {
  const { webhook } = input;
  if (input.event && !countsTowardEscalation(input.event, webhook.id)) return { outcome: 'not_counted' };
  const state = await deps.endpointHealth.recordFailure(webhook.accountId, webhook.id);
  const threshold = thresholdOf(webhook);
  const step = afterFailure(state, threshold);
  if (step.kind === 'none') return { outcome: 'counted' };
  const episode =
    step.kind === 'resume'
      ? step.episode
      : await deps.endpointHealth.openEpisode(webhook.accountId, webhook.id, threshold);
  if (episode === undefined) return { outcome: 'episode_already_open' };
  try {
    await deps.escalation.start(
      escalationInput({
        webhook: { ...webhook, alerting: { ...webhook.alerting, failureThreshold: threshold } },
        episode,
        consecutiveFailures: state.consecutiveFailures,
        attempt: input.attempt,
        deliveryId: input.deliveryId,
        eventType: input.eventType,
        waitSeconds: deps.escalationSettings.waitSeconds,
      }),
    );
    await deps.endpointHealth.markEscalated(webhook.accountId, webhook.id, episode);
  } catch (error) {
    // The attempt is recorded already: failing the queue message would not run this again. The
    // episode stays `open`, and the next failed attempt resumes it under the same execution name.
    return { outcome: 'start_failed', episode, error: String(error) };
  }
  return { outcome: step.kind === 'resume' ? 'resumed' : 'started', episode };
}

// ---------------------------------------------------------------------------------------------
// The state machine's Tasks

export const ESCALATION_TASKS = [
  'notifyFailing',
  'checkEndpoint',
  'disableEndpoint',
  'notifyRecovered',
  'notifyDisabled',
] as const;
export type EscalationTask = (typeof ESCALATION_TASKS)[number];

export interface NotifyResult {
  readonly notified: boolean;
  /** Whether an email was sent (false: no address on the endpoint nor on the account). */
  readonly emailed: boolean;
  readonly reason?: string;
}

export type CheckResult =
  | { outcome: 'recovered' | 'failing' }
  /** Healthy, not yet for the cool-down: the state machine waits `waitSeconds` and checks again. */
  | { outcome: 'cooling'; waitSeconds: number }
  | { outcome: 'ended'; reason: string };

export type DisableResult =
  | { outcome: 'disabled'; disabledReason: string }
  | { outcome: 'recovered' }
  /** A 2xx landed since the check: back to the check (which waits out the cool-down). */
  | { outcome: 'cooling'; waitSeconds: number }
  | { outcome: 'ended'; reason: string };

export type NotifyPorts = Pick<
  Dependencies,
  | 'webhooks'
  | 'endpointHealth'
  | 'accounts'
  | 'mailer'
  | 'opsNotifier'
  | 'operationalEvents'
  | 'escalationSettings'
  | 'portalUrl'
  | 'clock'
>;

/**
 * Tells the customer (email to the endpoint's alert address, else the account's), the platform
 * team (ops topic) and subscribers of the operational events (the service's own bus). The three
 * are independent; if any fails, the Task fails and Step Functions retries it (so a notice may be
 * repeated: at least once; the bus event keeps its id, so fan-out delivers it once).
 */
export async function notify(
  deps: NotifyPorts,
  transition: Transition,
  input: EscalationInput,
  extra: { disabledReason?: string } = {},
): Promise<NotifyResult> {
  const webhook = await deps.webhooks.get(input.accountId, input.webhookId);
  if (!webhook) return { notified: false, emailed: false, reason: 'endpoint_deleted' };
  const context: AlertContext = {
    webhook,
    input,
    link: deliveriesLink(deps.escalationSettings.apiBaseUrl, webhook.id),
    portalLink: portalWebhookLink(deps.portalUrl, webhook.id),
    disabledReason: extra.disabledReason ?? webhook.disabledReason,
  };
  const message = alertMessage(transition, context);
  const chosen = await alertRecipient(deps, webhook);
  // The daily cap is counted before sending (a retried Task may so use up one of them unsent: at
  // most the cap, never more). The ops topic and the bus are never capped.
  const capped =
    chosen.recipient !== undefined &&
    !(await deps.endpointHealth.claimAlertMail(
      webhook.accountId,
      webhook.id,
      mailDay(deps.clock.now()),
      deps.escalationSettings.alertEmailsPerDay,
    ));
  const recipient = capped ? undefined : chosen.recipient;
  const skipped = capped ? 'daily_alert_cap' : chosen.skipped;
  const results = await Promise.allSettled([
    recipient ? deps.mailer.send({ to: recipient, ...message }) : Promise.resolve(),
    deps.opsNotifier.publish({
      transition,
      accountId: webhook.accountId,
      webhookId: webhook.id,
      episode: input.episode,
      subject: message.subject,
      message: message.text,
      detail: operationalEventData(transition, context),
    }),
    deps.operationalEvents.publish(
      operationalEvent(transition, context, { accountId: webhook.accountId, now: deps.clock.now() }),
    ),
  ]);
  const failures = results.flatMap((result, index) =>
    result.status === 'rejected' ? [`${['email', 'ops topic', 'bus'][index]}: ${String(result.reason)}`] : [],
  );
  if (failures.length > 0) throw new Error(`endpoint.${transition} notices failed: ${failures.join('; ')}`);
  return { notified: true, emailed: recipient !== undefined, ...(skipped ? { reason: skipped } : {}) };
}

/**
 * Where the alert goes: the endpoint's address once confirmed (an unconfirmed one gets nothing,
 * and the account's address does not stand in for it), else the account's `alert_email` (set by
 * the platform, so confirmed).
 */
async function alertRecipient(
  deps: Pick<Dependencies, 'accounts'>,
  webhook: Webhook,
): Promise<{ recipient?: string; skipped?: string }> {
  const account = await deps.accounts.get(webhook.accountId);
  const own = webhook.alerting.email;
  if (own) {
    return alertEmailStatus(own, account) === 'confirmed'
      ? { recipient: own }
      : { skipped: 'email_unconfirmed' };
  }
  return account?.alertEmail ? { recipient: account.alertEmail } : { skipped: 'no_email' };
}

/** What the check and disable steps conclude; `healthy` has been turned into `recovered`. */
type Judgement = Exclude<RecheckOutcome, { outcome: 'healthy' }>;

export type RecheckPorts = Pick<Dependencies, 'webhooks' | 'endpointHealth' | 'escalationSettings' | 'clock'>;

/**
 * Reads the endpoint and its counters and judges the episode (domain `recheck`). An endpoint
 * healthy for the whole cool-down has its episode closed here (conditionally: a failure that
 * slipped in keeps it open, and it is judged again).
 */
async function judge(
  deps: RecheckPorts,
  input: EscalationInput,
): Promise<{ outcome: Judgement; webhook?: Webhook }> {
  for (let attempt = 1; ; attempt++) {
    const [webhook, state] = await Promise.all([
      deps.webhooks.get(input.accountId, input.webhookId),
      deps.endpointHealth.getFailureState(input.accountId, input.webhookId),
    ]);
    const now = deps.clock.now();
    const cooldownSeconds = cooldownOf(webhook, deps.escalationSettings.recoveryCooldownSeconds);
    const waitEndedAt = new Date(Date.parse(input.failedAt) + input.waitSeconds * 1000);
    const outcome = recheck({ episode: input.episode, webhook, state, now, cooldownSeconds, waitEndedAt });
    if (outcome.outcome === 'healthy') {
      // Closes only the very spell judged: a failure since removes healthy_since (and a later 2xx
      // sets a later one), so the condition fails and the endpoint is judged again.
      const closed = await deps.endpointHealth.closeRecovered(
        input.accountId,
        input.webhookId,
        input.episode,
        outcome.healthySince,
      );
      if (closed || attempt >= 3)
        return { outcome: closed ? { outcome: 'recovered' } : { outcome: 'failing' }, webhook };
      continue;
    }
    // Paused or disabled meanwhile: this execution is done with the episode. Closing it lets a later
    // streak (after the endpoint is active again) open a new one.
    if (
      outcome.outcome === 'ended' &&
      outcome.reason !== 'superseded' &&
      outcome.reason !== 'endpoint_deleted'
    ) {
      await deps.endpointHealth.closeEpisode(input.accountId, input.webhookId, input.episode);
    }
    return { outcome, webhook };
  }
}

export async function checkEndpoint(deps: RecheckPorts, input: EscalationInput): Promise<CheckResult> {
  return (await judge(deps, input)).outcome;
}

const DISABLE_ATTEMPTS = 3;

/**
 * Disables the endpoint if it is still failing in this episode (judged again: a 2xx or a customer
 * change may have landed since the check). The write is conditional on the configuration version,
 * so a concurrent PATCH is never overwritten: it is re-read and judged again.
 */
export async function disableEndpoint(deps: RecheckPorts, input: EscalationInput): Promise<DisableResult> {
  for (let attempt = 1; attempt <= DISABLE_ATTEMPTS; attempt++) {
    const { outcome, webhook } = await judge(deps, input);
    if (outcome.outcome !== 'failing' || !webhook) return outcome as DisableResult;
    const state = await deps.endpointHealth.getFailureState(input.accountId, input.webhookId);
    const reason = disabledReason({
      consecutiveFailures: Math.max(state?.consecutiveFailures ?? 0, input.consecutiveFailures),
      waitSeconds: input.waitSeconds,
    });
    try {
      await deps.webhooks.update(
        {
          ...webhook,
          status: 'disabled',
          disabledReason: reason,
          updatedAt: deps.clock.now().toISOString(),
          version: webhook.version + 1,
        },
        webhook.version,
      );
    } catch (error) {
      if (error instanceof DomainError && error.code === 'conflict') continue;
      if (error instanceof DomainError && error.code === 'not_found') {
        return { outcome: 'ended', reason: 'endpoint_deleted' };
      }
      throw error;
    }
    await deps.endpointHealth.closeEpisode(input.accountId, input.webhookId, input.episode);
    return { outcome: 'disabled', disabledReason: reason };
  }
  throw new Error(`Webhook ${input.webhookId} kept changing; disable not applied`);
}

export type EscalationTaskPorts = NotifyPorts & RecheckPorts;

export async function runEscalationTask(
  deps: EscalationTaskPorts,
  task: EscalationTask,
  input: EscalationInput,
  extra: { disabledReason?: string } = {},
): Promise<NotifyResult | CheckResult | DisableResult> {
  switch (task) {
    case 'notifyFailing':
      return notify(deps, 'failing', input);
    case 'checkEndpoint':
      return checkEndpoint(deps, input);
    case 'disableEndpoint':
      return disableEndpoint(deps, input);
    case 'notifyRecovered':
      return notify(deps, 'recovered', input);
    case 'notifyDisabled':
      return notify(deps, 'disabled', input, extra);
  }
}

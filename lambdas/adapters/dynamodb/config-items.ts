import type {
  Account,
  EpisodeState,
  FailureState,
  Plan,
  StoredSigningSecret,
  Webhook,
  WebhookStatus,
} from '../../domain/model.js';
import { storableText, textFromStorage } from '../../domain/unicode.js';
import { type Item, num, optionalStr, str } from './attributes.js';
import { webhookKey } from './keys.js';

/**
 * The config table's items as the domain sees them, and back (docs/storage.md): the account item,
 * the webhook item, and the endpoint-health attributes the delivery path keeps on the webhook item.
 */

/** The account item as the domain sees it (its alert-address attributes are written by the alert-email store). */
export function itemToAccount(item: Item): Account {
  const alertEmail = optionalStr(item.alert_email);
  const alertEmails = Array.isArray(item.alert_emails)
    ? (item.alert_emails as unknown[]).map(str)
    : undefined;
  return {
    id: str(item.account_id),
    name: str(item.name),
    plan: str(item.plan) as Plan,
    ...(alertEmail !== undefined ? { alertEmail } : {}),
    ...(alertEmails !== undefined ? { alertEmails } : {}),
    ...(item.confirmed_alert_emails instanceof Set
      ? { confirmedAlertEmails: [...(item.confirmed_alert_emails as Set<string>)] }
      : {}),
    createdAt: str(item.created_at),
  };
}

/**
 * The configuration attributes of a webhook item: what create writes and update replaces. The key,
 * account_id, webhook_id, created_at, version and the delivery path's attributes
 * (consecutive_failures, failing_episode, episode_state) are not among them.
 */
export const CONFIGURATION_ATTRIBUTES = [
  'name',
  'url',
  'description',
  'events',
  'status',
  'disabled_reason',
  'headers',
  'retry_policy',
  'timeout_seconds',
  'alerting',
  'secrets',
  'updated_at',
] as const;

export function webhookToItem(webhook: Webhook): Item {
  return {
    ...webhookKey(webhook.accountId, webhook.id),
    webhook_id: webhook.id,
    account_id: webhook.accountId,
    // Tenant text that must read back exactly, lone surrogates and all (domain/unicode.ts).
    name: storableText(webhook.name),
    url: webhook.url,
    description: webhook.description === undefined ? undefined : storableText(webhook.description),
    events: [...webhook.events],
    status: webhook.status,
    disabled_reason: webhook.disabledReason,
    headers: { ...webhook.headers },
    retry_policy: {
      max_retries: webhook.retryPolicy.maxRetries,
      intervals_seconds: [...webhook.retryPolicy.intervalsSeconds],
    },
    timeout_seconds: webhook.timeoutSeconds,
    alerting: {
      email: webhook.alerting.email,
      failure_threshold: webhook.alerting.failureThreshold,
      recovery_cooldown_seconds: webhook.alerting.recoveryCooldownSeconds,
    },
    secrets: webhook.secrets.map((secret) => ({
      ciphertext: secret.ciphertext,
      prefix: secret.prefix,
      created_at: secret.createdAt,
      expires_at: secret.expiresAt,
    })),
    created_at: webhook.createdAt,
    updated_at: webhook.updatedAt,
    version: webhook.version,
  };
}

export function itemToWebhook(item: Item): Webhook {
  const retryPolicy = (item.retry_policy ?? {}) as Item;
  const alerting = (item.alerting ?? {}) as Item;
  const storedDescription = optionalStr(item.description);
  const description = storedDescription === undefined ? undefined : textFromStorage(storedDescription);
  const disabledReason = optionalStr(item.disabled_reason);
  const alertEmail = optionalStr(alerting.email);
  return {
    id: str(item.webhook_id),
    accountId: str(item.account_id),
    name: textFromStorage(str(item.name)),
    url: str(item.url),
    ...(description !== undefined ? { description } : {}),
    events: Array.isArray(item.events) ? (item.events as string[]) : [],
    status: str(item.status) as WebhookStatus,
    ...(disabledReason !== undefined ? { disabledReason } : {}),
    headers: (item.headers ?? {}) as Record<string, string>,
    retryPolicy: {
      maxRetries: num(retryPolicy.max_retries),
      intervalsSeconds: Array.isArray(retryPolicy.intervals_seconds)
        ? (retryPolicy.intervals_seconds as unknown[]).map(num)
        : [],
    },
    timeoutSeconds: num(item.timeout_seconds),
    alerting: {
      ...(alertEmail !== undefined ? { email: alertEmail } : {}),
      failureThreshold: num(alerting.failure_threshold),
      ...(typeof alerting.recovery_cooldown_seconds === 'number'
        ? { recoveryCooldownSeconds: alerting.recovery_cooldown_seconds }
        : {}),
    },
    secrets: (Array.isArray(item.secrets) ? (item.secrets as Item[]) : []).map(
      (secret): StoredSigningSecret => {
        const expiresAt = optionalStr(secret.expires_at);
        return {
          ciphertext: str(secret.ciphertext),
          prefix: str(secret.prefix),
          createdAt: str(secret.created_at),
          ...(expiresAt !== undefined ? { expiresAt } : {}),
        };
      },
    ),
    createdAt: str(item.created_at),
    updatedAt: str(item.updated_at),
    version: num(item.version),
  };
}

const EPISODE_STATES: readonly EpisodeState[] = ['open', 'escalated', 'closed'];

/** The delivery path's attributes of a webhook item (an item never counted reads as all zero). */
export function itemToFailureState(item: Item): FailureState {
  const state = item.episode_state as EpisodeState;
  return {
    consecutiveFailures: num(item.consecutive_failures),
    episode: num(item.failing_episode),
    episodeState: EPISODE_STATES.includes(state) ? state : 'closed',
    ...(typeof item.healthy_since === 'string' ? { healthySince: item.healthy_since } : {}),
  };
}

import { invalid, notFound } from '../domain/errors.js';
import { newWebhookId } from '../domain/ids.js';
import type { Page, StoredSigningSecret, Webhook } from '../domain/model.js';
import type { PageRequest } from '../domain/ports/paging.js';
import { DEFAULT_RETRY_POLICY } from '../domain/retry-policy.js';
import {
  type CreateWebhookBody,
  DEFAULT_FAILURE_THRESHOLD,
  DEFAULT_GRACE_PERIOD_SECONDS,
  DEFAULT_TIMEOUT_SECONDS,
  type UpdateWebhookBody,
} from '../domain/schemas.js';
import { generateSigningSecret, secretPrefix, validateCustomHeaders } from '../domain/signing.js';
import { validateTargetUrl } from '../domain/url-safety.js';
import { useAlertEmail } from './alert-emails.js';
import type { Dependencies } from './dependencies.js';
import { INLINE_PURGE_LIMIT, purgeWebhookHistory } from './retention.js';
import { releaseWebhookSlot, reserveWebhookSlot } from './usage.js';
import { getWebhook } from './webhook-lookup.js';

/** Endpoint management: the use cases behind /v1/webhooks. */

async function assertSafeUrl(
  deps: Pick<Dependencies, 'targetPolicy' | 'resolve'>,
  url: string,
): Promise<void> {
  const check = await validateTargetUrl(url, deps.targetPolicy, deps.resolve);
  if (!check.ok) throw invalid(check.reason, [{ path: 'body.url', message: check.reason }]);
}

function assertValidHeaders(headers: Record<string, string> | undefined): void {
  if (!headers) return;
  const problem = validateCustomHeaders(headers);
  if (problem) throw invalid(problem, [{ path: 'body.headers', message: problem }]);
}

async function assertKnownEventTypes(
  deps: Pick<Dependencies, 'eventTypes'>,
  events: readonly string[],
): Promise<void> {
  if (events.length === 0) return;
  const known = new Set((await deps.eventTypes.list()).map((eventType) => eventType.name));
  const unknown = events.filter((name) => !known.has(name));
  if (unknown.length > 0) {
    throw invalid(
      `Unknown event type: ${unknown.join(', ')}`,
      unknown.map((name) => ({ path: 'body.events', message: `unknown event type ${name}` })),
    );
  }
}

async function newStoredSecret(
  deps: Pick<Dependencies, 'cipher'>,
  now: string,
): Promise<{ plain: string; stored: StoredSigningSecret }> {
  const plain = generateSigningSecret();
  return {
    plain,
    stored: { ciphertext: await deps.cipher.encrypt(plain), prefix: secretPrefix(plain), createdAt: now },
  };
}

export type CreateWebhookPorts = Pick<
  Dependencies,
  | 'webhooks'
  | 'webhookCounter'
  | 'accounts'
  | 'alertEmails'
  | 'eventTypes'
  | 'cipher'
  | 'targetPolicy'
  | 'resolve'
  | 'planLimits'
  | 'clock'
>;

export async function createWebhook(
  deps: CreateWebhookPorts,
  accountId: string,
  input: CreateWebhookBody,
): Promise<{ webhook: Webhook; secret: string }> {
  assertValidHeaders(input.headers);
  await assertKnownEventTypes(deps, input.events);
  await assertSafeUrl(deps, input.url);
  const now = deps.clock.now().toISOString();
  const secret = await newStoredSecret(deps, now);
  // After validation (bad input is a 400 whatever the plan, and takes no slot), before any write.
  const reservedAt = await reserveWebhookSlot(deps, accountId);
  const webhook: Webhook = {
    id: newWebhookId(),
    accountId,
    name: input.name,
    url: input.url,
    description: input.description,
    events: input.events,
    status: input.status ?? 'active',
    headers: input.headers ?? {},
    retryPolicy: {
      maxRetries: input.retry_policy?.max_retries ?? DEFAULT_RETRY_POLICY.maxRetries,
      intervalsSeconds: input.retry_policy?.intervals_seconds ?? DEFAULT_RETRY_POLICY.intervalsSeconds,
    },
    timeoutSeconds: input.timeout_seconds ?? DEFAULT_TIMEOUT_SECONDS,
    alerting: {
      email: input.alerting?.email,
      failureThreshold: input.alerting?.failure_threshold ?? DEFAULT_FAILURE_THRESHOLD,
      ...(input.alerting?.recovery_cooldown_seconds !== undefined
        ? { recoveryCooldownSeconds: input.alerting.recovery_cooldown_seconds }
        : {}),
    },
    secrets: [secret.stored],
    createdAt: now,
    updatedAt: now,
    version: 1,
  };
  try {
    // After the slot, before the write: an address over the account's daily confirmation limit
    // refuses the create (429) and gives the slot back. (Should the write fail after it, the
    // address got a confirmation mail it can ignore.)
    if (webhook.alerting.email) await useAlertEmail(deps, accountId, webhook.alerting.email);
    await deps.webhooks.create(webhook);
  } catch (error) {
    // The slot goes back unless the endpoint was written after all (a write that failed late). When
    // that cannot be told, or the release fails too, the counter stays one high: the safe side, and
    // a later refusal recounts it (docs/quotas.md). The create's own error is the one reported.
    const written = await deps.webhooks.get(accountId, webhook.id).catch(() => webhook);
    if (!written) await releaseWebhookSlot(deps, accountId, reservedAt).catch(() => undefined);
    throw error;
  }
  return { webhook, secret: secret.plain };
}

export const listWebhooks = (
  deps: Pick<Dependencies, 'webhooks'>,
  accountId: string,
  page: PageRequest,
): Promise<Page<Webhook>> => deps.webhooks.list(accountId, page);

export type UpdateWebhookPorts = Pick<
  Dependencies,
  | 'webhooks'
  | 'endpointHealth'
  | 'accounts'
  | 'alertEmails'
  | 'eventTypes'
  | 'targetPolicy'
  | 'resolve'
  | 'clock'
>;

export async function updateWebhook(
  deps: UpdateWebhookPorts,
  accountId: string,
  webhookId: string,
  input: UpdateWebhookBody,
): Promise<Webhook> {
  const current = await getWebhook(deps, accountId, webhookId);
  assertValidHeaders(input.headers);
  if (input.events) await assertKnownEventTypes(deps, input.events);
  if (input.url !== undefined && input.url !== current.url) await assertSafeUrl(deps, input.url);
  const reactivating = input.status === 'active' && current.status === 'disabled';
  const status = input.status ?? current.status;
  const updated: Webhook = {
    ...current,
    name: input.name ?? current.name,
    url: input.url ?? current.url,
    description: input.description ?? current.description,
    events: input.events ?? current.events,
    headers: input.headers ?? current.headers,
    status,
    disabledReason: status === 'disabled' ? current.disabledReason : undefined,
    retryPolicy: {
      maxRetries: input.retry_policy?.max_retries ?? current.retryPolicy.maxRetries,
      intervalsSeconds: input.retry_policy?.intervals_seconds ?? current.retryPolicy.intervalsSeconds,
    },
    timeoutSeconds: input.timeout_seconds ?? current.timeoutSeconds,
    alerting: {
      email: input.alerting?.email ?? current.alerting.email,
      failureThreshold: input.alerting?.failure_threshold ?? current.alerting.failureThreshold,
      ...(input.alerting?.recovery_cooldown_seconds !== undefined ||
      current.alerting.recoveryCooldownSeconds !== undefined
        ? {
            recoveryCooldownSeconds:
              input.alerting?.recovery_cooldown_seconds ?? current.alerting.recoveryCooldownSeconds,
          }
        : {}),
    },
    updatedAt: deps.clock.now().toISOString(),
    version: current.version + 1,
  };
  const email = updated.alerting.email;
  if (email && email !== current.alerting.email) await useAlertEmail(deps, accountId, email);
  await deps.webhooks.update(updated, current.version);
  if (reactivating) await deps.endpointHealth.resetFailures(accountId, webhookId);
  return updated;
}

export type DeleteWebhookPorts = Pick<
  Dependencies,
  'webhooks' | 'historyPurges' | 'stats' | 'webhookCounter' | 'clock'
>;

/**
 * Deletes the endpoint, then its history (docs/retention.md). The purge request is written first, so
 * whatever happens afterwards the reconciler finishes the job; removing the configuration stops
 * deliveries at once (fan-out finds no subscription, queued jobs end `endpoint_deleted`); then up to
 * `inlinePurgeLimit` delivery items go now and the rest in the background. `historyPurged` is false
 * when some are left to the reconciler.
 */
export async function deleteWebhook(
  deps: DeleteWebhookPorts,
  accountId: string,
  webhookId: string,
  options: { inlinePurgeLimit?: number } = {},
): Promise<{ historyPurged: boolean }> {
  // Another tenant's endpoint is not found here, before any purge is requested for it.
  await getWebhook(deps, accountId, webhookId);
  await deps.historyPurges.requestHistoryPurge({
    accountId,
    webhookId,
    requestedAt: deps.clock.now().toISOString(),
  });
  const deletedAt = deps.clock.now().toISOString();
  // A concurrent DELETE removed it first: that request purges (the same purge request, idempotent)
  // and gives the quota slot back; only the delete that removed the item does.
  if (!(await deps.webhooks.delete(accountId, webhookId))) throw notFound('Webhook');
  await releaseWebhookSlot(deps, accountId, deletedAt);
  const { done } = await purgeWebhookHistory(deps, webhookId, options.inlinePurgeLimit ?? INLINE_PURGE_LIMIT);
  return { historyPurged: done };
}

/**
 * New secret first; the previous ones keep signing until the grace period ends, so receivers can
 * switch without dropping a delivery. Already-expired secrets are dropped.
 */
export async function rotateSecret(
  deps: Pick<Dependencies, 'webhooks' | 'cipher' | 'clock'>,
  accountId: string,
  webhookId: string,
  gracePeriodSeconds = DEFAULT_GRACE_PERIOD_SECONDS,
): Promise<{ id: string; secret: string; rotatedAt: string }> {
  const current = await getWebhook(deps, accountId, webhookId);
  const now = deps.clock.now();
  const rotatedAt = now.toISOString();
  const graceEndsAt = new Date(now.getTime() + gracePeriodSeconds * 1000).toISOString();
  const previous =
    gracePeriodSeconds === 0
      ? []
      : current.secrets
          .filter((secret) => secret.expiresAt === undefined || secret.expiresAt > rotatedAt)
          .map((secret) => ({ ...secret, expiresAt: secret.expiresAt ?? graceEndsAt }));
  const secret = await newStoredSecret(deps, rotatedAt);
  await deps.webhooks.update(
    { ...current, secrets: [secret.stored, ...previous], updatedAt: rotatedAt, version: current.version + 1 },
    current.version,
  );
  return { id: webhookId, secret: secret.plain, rotatedAt };
}

export { getWebhook };

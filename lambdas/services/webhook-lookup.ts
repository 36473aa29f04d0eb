import { notFound } from '../domain/errors.js';
import { isWebhookId } from '../domain/ids.js';
import type { Webhook } from '../domain/model.js';
import type { Dependencies } from './dependencies.js';

/**
 * The caller's webhook, or not_found (another account's id answers exactly like a missing one).
 * On its own so that modules the delivery function loads do not carry the endpoint use cases.
 */
export async function getWebhook(
  deps: Pick<Dependencies, 'webhooks'>,
  accountId: string,
  webhookId: string,
): Promise<Webhook> {
  // An id that cannot be one of ours is simply not found: it never reaches storage.
  const webhook = isWebhookId(webhookId) ? await deps.webhooks.get(accountId, webhookId) : undefined;
  if (!webhook) throw notFound('Webhook');
  return webhook;
}

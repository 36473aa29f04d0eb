import { DomainError } from '../domain/errors.js';
import type { Webhook } from '../domain/model.js';
import type { Dependencies } from './dependencies.js';

/**
 * Plain secrets that sign right now, newest first. Apart from the endpoint use cases so the
 * delivery function does not carry their validation schemas.
 */
export async function activeSecrets(
  deps: Pick<Dependencies, 'clock' | 'cipher'>,
  webhook: Webhook,
): Promise<string[]> {
  const now = deps.clock.now().toISOString();
  const valid = webhook.secrets.filter((secret) => secret.expiresAt === undefined || secret.expiresAt > now);
  if (valid.length === 0) throw new DomainError('conflict', 'Webhook has no valid signing secret');
  return Promise.all(valid.map((secret) => deps.cipher.decrypt(secret.ciphertext)));
}

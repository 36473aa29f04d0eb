import type * as z from 'zod/mini';
import { normaliseEmail } from '../domain/alert-emails.js';
import { notFound } from '../domain/errors.js';
import { hashApiKey, newAccountId, newApiKey, newApiKeyId } from '../domain/ids.js';
import type { Account, ApiKeyRecord, EventType } from '../domain/model.js';
import { hasExpired } from '../domain/portal.js';
import type {
  createAccountBody,
  createApiKeyBody,
  putEventTypeBody,
  updateAccountBody,
} from '../domain/schemas.js';
import type { Dependencies } from './dependencies.js';

/** Platform-admin use cases: accounts, their API keys, and the event-type catalog. */

export async function createAccount(
  deps: Pick<Dependencies, 'accounts' | 'clock'>,
  input: z.infer<typeof createAccountBody>,
): Promise<Account> {
  const account: Account = {
    id: input.id ?? newAccountId(),
    name: input.name,
    plan: input.plan ?? 'scale',
    alertEmail: input.alert_email,
    ...(input.alert_emails ? { alertEmails: input.alert_emails.map(normaliseEmail) } : {}),
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.accounts.create(account);
  return account;
}

/**
 * PATCH /v1/admin/accounts/{id}: `alert_emails` replaces the account's platform-set alert
 * addresses (confirmed without a mail; docs/escalation.md).
 */
export async function updateAccount(
  deps: Pick<Dependencies, 'accounts' | 'alertEmails'>,
  accountId: string,
  input: z.infer<typeof updateAccountBody>,
): Promise<Account> {
  const account =
    input.alert_emails === undefined
      ? await deps.accounts.get(accountId)
      : await deps.alertEmails.setPlatformAddresses(accountId, input.alert_emails.map(normaliseEmail));
  if (!account) throw notFound('Account');
  return account;
}

/** The key itself is returned once, here; only its hash is stored. */
export async function createApiKey(
  deps: Pick<Dependencies, 'accounts' | 'apiKeys' | 'clock'>,
  accountId: string,
  input: z.infer<typeof createApiKeyBody>,
): Promise<{ record: ApiKeyRecord; key: string }> {
  if (!(await deps.accounts.get(accountId))) throw notFound('Account');
  const key = newApiKey();
  const record: ApiKeyRecord = {
    id: newApiKeyId(),
    accountId,
    keyHash: hashApiKey(key),
    prefix: key.slice(0, 10),
    scopes: input.scopes,
    name: input.name,
    createdAt: deps.clock.now().toISOString(),
  };
  await deps.apiKeys.create(record);
  return { record, key };
}

export async function putEventType(
  deps: Pick<Dependencies, 'eventTypes' | 'clock'>,
  name: string,
  input: z.infer<typeof putEventTypeBody>,
): Promise<EventType> {
  const existing = await deps.eventTypes.get(name);
  const eventType: EventType = {
    name,
    description: input.description ?? existing?.description ?? '',
    example: input.example ?? existing?.example ?? {},
    updatedAt: deps.clock.now().toISOString(),
  };
  await deps.eventTypes.put(eventType);
  return eventType;
}

/**
 * Resolves a bearer API key (`ak_`) or portal session key (`ps_`) to its record; undefined for
 * anything that is not a live key (a session key past its end included).
 */
export async function authenticate(
  deps: Pick<Dependencies, 'apiKeys' | 'clock'>,
  bearer: string | undefined,
) {
  const match = /^Bearer ((?:ak|ps)_[0-9a-z]{1,100})$/.exec(bearer?.trim() ?? '');
  if (!match?.[1]) return undefined;
  const record = await deps.apiKeys.findByHash(hashApiKey(match[1]));
  return record && !hasExpired(record.expiresAt, deps.clock.now()) ? record : undefined;
}

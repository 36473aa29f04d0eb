import type * as z from 'zod/mini';
import { normaliseEmail } from '../domain/alert-emails.js';
import { notFound } from '../domain/errors.js';
import { hashApiKey, newAccountId, newApiKey, newApiKeyId } from '../domain/ids.js';
import type { Account, ApiKeyRecord, EventType, Page } from '../domain/model.js';
import { hasExpired } from '../domain/portal.js';
import type { PageRequest } from '../domain/ports/paging.js';
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

export async function getAccount(deps: Pick<Dependencies, 'accounts'>, accountId: string): Promise<Account> {
  const account = await deps.accounts.get(accountId);
  if (!account) throw notFound('Account');
  return account;
}

/** GET /v1/admin/accounts: every account, by id (accounts being deleted left out). */
export function listAccounts(
  deps: Pick<Dependencies, 'accounts'>,
  page: PageRequest,
): Promise<Page<Account>> {
  return deps.accounts.list(page);
}

/**
 * PATCH /v1/admin/accounts/{id}: `name` and `plan` are set on the account item; `alert_emails`
 * replaces the account's platform-set alert addresses (confirmed without a mail;
 * docs/escalation.md). Nothing caches the account: a new plan applies from the next request.
 */
export async function updateAccount(
  deps: Pick<Dependencies, 'accounts' | 'alertEmails'>,
  accountId: string,
  input: z.infer<typeof updateAccountBody>,
): Promise<Account> {
  const changes = {
    ...(input.name !== undefined ? { name: input.name } : {}),
    ...(input.plan !== undefined ? { plan: input.plan } : {}),
  };
  let account = Object.keys(changes).length > 0 ? await deps.accounts.update(accountId, changes) : undefined;
  if (input.alert_emails !== undefined) {
    account = await deps.alertEmails.setPlatformAddresses(accountId, input.alert_emails.map(normaliseEmail));
  }
  return account ?? (await getAccount(deps, accountId));
}

/** GET /v1/admin/accounts/{id}/api-keys: API keys and live portal session keys, never a key or hash. */
export async function listApiKeys(
  deps: Pick<Dependencies, 'accounts' | 'apiKeys' | 'clock'>,
  accountId: string,
  page: PageRequest,
): Promise<Page<ApiKeyRecord>> {
  await getAccount(deps, accountId);
  return deps.apiKeys.listForAccount(accountId, page, deps.clock.now());
}

/** DELETE /v1/admin/accounts/{id}/api-keys/{key_id}: the key authenticates nothing from then on. */
export async function revokeApiKey(
  deps: Pick<Dependencies, 'apiKeys'>,
  accountId: string,
  keyId: string,
): Promise<void> {
  if (!(await deps.apiKeys.revoke(accountId, keyId))) throw notFound('API key');
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

/**
 * A key was let in: its `last_used_at`, to the hour, so at most one write an hour per key
 * (docs/storage.md). The authorizer's answer is cached for 5 minutes in AWS, so "last used" may be
 * up to an hour and 5 minutes old.
 */
export async function recordKeyUse(
  deps: Pick<Dependencies, 'apiKeys' | 'clock'>,
  record: ApiKeyRecord,
): Promise<void> {
  const now = deps.clock.now();
  const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS).toISOString();
  if (record.lastUsedAt !== undefined && record.lastUsedAt >= staleBefore) return;
  await deps.apiKeys.touch(record.keyHash, now.toISOString(), staleBefore);
}

/** How stale a key's `last_used_at` may get before the authorizer records a new one. */
export const LAST_USED_RESOLUTION_MS = 60 * 60 * 1000;

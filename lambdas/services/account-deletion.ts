import { notFound } from '../domain/errors.js';
import type { AccountPurgeJob, Deletion } from '../domain/ports/config-stores.js';
import type { Dependencies } from './dependencies.js';

/**
 * DELETE /v1/admin/accounts/{id}: the account and all its data (docs/storage.md, "Account
 * deletion"). The request writes a purge job, marks the account deleting (from then on it reads as
 * not found everywhere), deletes up to INLINE_KEY_LIMIT of its keys (they stop working at once) and
 * answers; the reconciler carries the job on, step by step, in bounded runs. The job is written
 * before the mark, so a crash between the two leaves a job whose first step makes the mark.
 */

/** API keys the DELETE request removes before answering; more go in the background. */
export const INLINE_KEY_LIMIT = 1000;
/** Items one reconciler run deletes, over all account purges. */
export const BACKGROUND_ACCOUNT_PURGE_BUDGET = 5000;
/** Items one delete call removes (one query page, deleted in batches of 25). */
const STEP_PAGE = 250;
/** How long a job must have stood still before the reconciler takes it over (a DELETE still running). */
export const ACCOUNT_PURGE_GRACE_MS = 60_000;
const JOBS_PER_RUN = 10;

export type AccountDeletionPorts = Pick<
  Dependencies,
  'accounts' | 'accountPurges' | 'apiKeys' | 'webhooks' | 'historyPurges' | 'eventLog' | 'clock'
>;

type StepRun = (deps: AccountDeletionPorts, accountId: string, limit: number) => Promise<Deletion>;

/** Each step deletes one kind of item until none is left; then the job moves to the next. */
const STEPS: readonly (readonly [string, StepRun])[] = [
  [
    'mark',
    async (deps, accountId) => {
      await deps.accounts.markDeleting(accountId, deps.clock.now().toISOString());
      return { deleted: 0, done: true };
    },
  ],
  ['api_keys', (deps, accountId, limit) => deps.apiKeys.deleteForAccount(accountId, limit)],
  ['portal_links', (deps, accountId, limit) => deps.accountPurges.deletePortalLinks(accountId, limit)],
  // As DELETE /v1/webhooks/{id} does: a history purge request first, then the webhook and its
  // subscriptions; the reconciler's history purges remove the deliveries (lambdas/services/retention.ts).
  ['webhooks', deleteWebhooks],
  ['email_tokens', (deps, accountId, limit) => deps.accountPurges.deleteEmailTokens(accountId, limit)],
  ['alert_outbox', (deps, accountId, limit) => deps.accountPurges.deleteOutbox(accountId, limit)],
  // Usage days, alert addresses, confirmation and alert-mail counter days.
  ['account_partition', (deps, accountId, limit) => deps.accountPurges.deletePartition(accountId, limit)],
  // The account's event log in the deliveries table: its entries, event payloads and overflow pages.
  [
    'account_log',
    async (deps, accountId, limit) => {
      const { removed, done } = await deps.eventLog.purgeAccountLog(accountId, limit);
      return { deleted: removed, done };
    },
  ],
  // Session keys from a portal link exchanged while the purge ran.
  ['api_keys_again', (deps, accountId, limit) => deps.apiKeys.deleteForAccount(accountId, limit)],
  [
    'account',
    async (deps, accountId) => {
      await deps.accountPurges.deleteAccountItem(accountId);
      return { deleted: 1, done: true };
    },
  ],
];

export const ACCOUNT_PURGE_STEPS: readonly string[] = STEPS.map(([name]) => name);

async function deleteWebhooks(
  deps: AccountDeletionPorts,
  accountId: string,
  limit: number,
): Promise<Deletion> {
  const ids = await deps.accountPurges.webhookIds(accountId, limit);
  const requestedAt = deps.clock.now().toISOString();
  for (const webhookId of ids) {
    await deps.historyPurges.requestHistoryPurge({ accountId, webhookId, requestedAt });
    await deps.webhooks.delete(accountId, webhookId);
  }
  return { deleted: ids.length, done: ids.length < limit };
}

/**
 * Runs the job from its step for up to `budget` items; `done` once the account item is gone (the
 * job too). Each step move is conditional: when another run moved it first, this one stops.
 */
export async function runAccountPurge(
  deps: AccountDeletionPorts,
  job: AccountPurgeJob,
  budget: number,
): Promise<{ deleted: number; done: boolean }> {
  let index = ACCOUNT_PURGE_STEPS.indexOf(job.step);
  // A step this version does not know (written by a newer one): start over, every step is idempotent.
  if (index < 0) index = 0;
  let deleted = 0;
  while (deleted < budget) {
    const [name, run] = STEPS[index]!;
    const result = await run(deps, job.accountId, Math.min(STEP_PAGE, budget - deleted));
    deleted += result.deleted;
    // A page that removed nothing yet is not the end (an index catching up): the next run goes on.
    if (!result.done && result.deleted === 0) break;
    if (!result.done) continue;
    const following = STEPS[index + 1];
    if (!following) {
      await deps.accountPurges.complete(job.accountId);
      return { deleted, done: true };
    }
    if (
      !(await deps.accountPurges.advance(job.accountId, name, following[0], deps.clock.now().toISOString()))
    ) {
      break;
    }
    index += 1;
  }
  return { deleted, done: false };
}

/**
 * DELETE /v1/admin/accounts/{id}. A second DELETE while the purge runs finds the same job and
 * does nothing twice (its keys are gone already); 404 once the account item is gone.
 */
export async function deleteAccount(
  deps: AccountDeletionPorts,
  accountId: string,
  options: { inlineKeyLimit?: number } = {},
): Promise<{ keysDeleted: number }> {
  if (!(await deps.accounts.exists(accountId))) throw notFound('Account');
  const now = deps.clock.now().toISOString();
  await deps.accountPurges.request(accountId, ACCOUNT_PURGE_STEPS[0]!, now);
  if (!(await deps.accounts.markDeleting(accountId, now))) throw notFound('Account');
  // The keys stop working now, whatever step the job is at; the job's own key steps find the rest.
  const { deleted } = await deps.apiKeys.deleteForAccount(
    accountId,
    options.inlineKeyLimit ?? INLINE_KEY_LIMIT,
  );
  return { keysDeleted: deleted };
}

export type BackgroundAccountPurgePorts = AccountDeletionPorts;

/** The reconciler's part: carries on account purges idle for a minute, within a budget of items. */
export async function continueAccountPurges(
  deps: BackgroundAccountPurgePorts,
  options: { budget?: number; graceMs?: number } = {},
): Promise<{ deleted: number; completed: number }> {
  const now = deps.clock.now().getTime();
  const graceMs = options.graceMs ?? ACCOUNT_PURGE_GRACE_MS;
  let budget = options.budget ?? BACKGROUND_ACCOUNT_PURGE_BUDGET;
  let deleted = 0;
  let completed = 0;
  for (const job of await deps.accountPurges.list(JOBS_PER_RUN)) {
    if (budget <= 0) break;
    if (now - Date.parse(job.updatedAt) < graceMs) continue;
    const result = await runAccountPurge(deps, job, budget);
    budget -= Math.max(result.deleted, 1);
    deleted += result.deleted;
    if (result.done) completed += 1;
  }
  return { deleted, completed };
}

import type { Dependencies } from './dependencies.js';

/**
 * Removing a deleted endpoint's history (docs/retention.md). DELETE removes up to
 * INLINE_PURGE_LIMIT delivery items itself; a purge request, written before anything is deleted,
 * lets the reconciler finish a larger history (or one a crashed DELETE left behind) in the background.
 */

/** Delivery items DELETE /v1/webhooks/{id} removes before answering. */
export const INLINE_PURGE_LIMIT = 1000;
/** Delivery items one reconciler run removes, over all outstanding purges. */
export const BACKGROUND_PURGE_BUDGET = 10_000;
/**
 * How old a purge request must be before the reconciler acts on it: a DELETE still running (API
 * timeout 10 s) must not be mistaken for one that failed before removing the endpoint.
 */
export const PURGE_GRACE_MS = 2 * 60 * 1000;
const REQUESTS_PER_RUN = 25;

type PurgePorts = Pick<Dependencies, 'stats' | 'historyPurges'>;

/**
 * Retires the endpoint's counters, then deletes up to `maxItems` of its deliveries; completes the
 * purge request when nothing is left.
 */
export async function purgeWebhookHistory(
  deps: PurgePorts,
  webhookId: string,
  maxItems: number,
): Promise<{ deleted: number; done: boolean }> {
  await deps.stats.retire(webhookId);
  const result = await deps.historyPurges.purgeHistory(webhookId, maxItems);
  if (result.done) await deps.historyPurges.completeHistoryPurge(webhookId);
  return result;
}

export type BackgroundPurgePorts = Pick<Dependencies, 'stats' | 'historyPurges' | 'webhooks' | 'clock'>;

/** The reconciler's part: carries on the outstanding purges, within a budget of items per run. */
export async function continueHistoryPurges(
  deps: BackgroundPurgePorts,
  options: { budget?: number; graceMs?: number } = {},
): Promise<{ deleted: number; completed: number }> {
  const now = deps.clock.now().getTime();
  const graceMs = options.graceMs ?? PURGE_GRACE_MS;
  let budget = options.budget ?? BACKGROUND_PURGE_BUDGET;
  let deleted = 0;
  let completed = 0;
  for (const request of await deps.historyPurges.listHistoryPurges(REQUESTS_PER_RUN)) {
    if (budget <= 0) break;
    if (now - Date.parse(request.requestedAt) < graceMs) continue;
    if (await deps.webhooks.get(request.accountId, request.webhookId)) {
      // The DELETE that asked for this failed before it removed the endpoint: its history stays.
      await deps.historyPurges.completeHistoryPurge(request.webhookId);
      continue;
    }
    const result = await purgeWebhookHistory(deps, request.webhookId, budget);
    budget -= result.deleted;
    deleted += result.deleted;
    if (result.done) completed += 1;
  }
  return { deleted, completed };
}

import { conflict } from '../domain/errors.js';
import type { RecoverJob } from '../domain/ports/delivery-stores.js';
import { type RecoverStatus, recoverWindow } from '../domain/recover.js';
import type { Dependencies } from './dependencies.js';
import { assertActive, type RetryPorts, resend } from './resend.js';
import { getWebhook } from './webhook-lookup.js';

/**
 * POST /v1/webhooks/{id}/recover (Svix's recover): every final delivery of an endpoint in a window
 * (failed ones, or all) is sent again. The request visits at most INLINE_RECOVER_LIMIT deliveries;
 * a larger window is a job the reconciler carries on, as it does the history purges. One job per
 * endpoint: the same request again while it runs, or within a minute of its end, queues nothing
 * (docs/storage.md, "Recover jobs").
 */

/** Deliveries read per page of a recover. */
export const RECOVER_PAGE = 100;
/** Deliveries a recover request visits before answering; the rest continues in the background. */
export const INLINE_RECOVER_LIMIT = 300;
/** Deliveries one reconciler run visits, over all recovers in progress. */
export const BACKGROUND_RECOVER_BUDGET = 3000;
/** How long a job must have stood still before the reconciler takes it over (a request still running). */
export const RECOVER_GRACE_MS = 60_000;
const JOBS_PER_RUN = 25;

export type RecoverPorts = RetryPorts & Pick<Dependencies, 'recovers'>;

/** Runs a job for up to `budget` deliveries; `done` once its window is exhausted (the job is then gone). */
async function runRecover(
  deps: RecoverPorts,
  start: RecoverJob,
  budget: number,
): Promise<{ queued: number; visited: number; done: boolean }> {
  let job = start;
  let queued = 0;
  let visited = 0;
  while (visited < budget) {
    const limit = Math.min(RECOVER_PAGE, budget - visited);
    const page = await deps.recovers.recoverPage(job, limit);
    const sent = await Promise.all(page.deliveries.map((delivery) => resend(deps, delivery)));
    const queuedNow = sent.filter(Boolean).length;
    queued += queuedNow;
    visited += limit;
    if (page.done || page.cursor === undefined) {
      await deps.recovers.completeRecover(job.webhookId);
      return { queued, visited, done: true };
    }
    // Another run moved the cursor first: it owns the job from here.
    if (!(await deps.recovers.advanceRecover(job, page.cursor, queuedNow))) break;
    job = { ...job, cursor: page.cursor, queued: job.queued + queuedNow };
  }
  return { queued, visited, done: false };
}

/**
 * Starts the endpoint's recover and does its first part. A recover already in progress for the same
 * window answers `queued: 0` (it queues each delivery once); for another window, 409.
 */
export async function recoverWebhook(
  deps: RecoverPorts,
  accountId: string,
  webhookId: string,
  input: { since: string; until?: string; status?: RecoverStatus },
  inlineLimit = INLINE_RECOVER_LIMIT,
): Promise<{ queued: number; done: boolean }> {
  assertActive(await getWebhook(deps, accountId, webhookId));
  const now = deps.clock.now();
  const window = recoverWindow(input, now);
  const job: RecoverJob = {
    ...window,
    accountId,
    webhookId,
    queued: 0,
    requestedAt: now.toISOString(),
    updatedAt: now.toISOString(),
  };
  const sameRequest = (existing: RecoverJob) =>
    existing.status === window.status &&
    existing.since === window.since &&
    (input.until === undefined || existing.until === window.until);
  let claimed = await deps.recovers.startRecover(job);
  // Just done: the same request again queues nothing more; another one replaces it.
  if (!claimed.started && claimed.existing.done && !sameRequest(claimed.existing)) {
    claimed = await deps.recovers.startRecover(job, claimed.existing);
  }
  if (!claimed.started) {
    const { existing } = claimed;
    if (!sameRequest(existing)) {
      throw conflict(
        `A recover of this webhook is in progress (${existing.status}, ${existing.since} to ${existing.until}); try again once it is done`,
      );
    }
    return { queued: 0, done: existing.done === true };
  }
  const { queued, done } = await runRecover(deps, job, inlineLimit);
  return { queued, done };
}

export type BackgroundRecoverPorts = RecoverPorts;

/**
 * The reconciler's part: carries on the recovers whose request stopped (its budget, or a crash),
 * within a budget of deliveries per run. A job of an endpoint deleted, paused or disabled meanwhile
 * ends there.
 */
export async function continueRecovers(
  deps: BackgroundRecoverPorts,
  options: { budget?: number; graceMs?: number } = {},
): Promise<{ queued: number; completed: number }> {
  const now = deps.clock.now().getTime();
  const graceMs = options.graceMs ?? RECOVER_GRACE_MS;
  let budget = options.budget ?? BACKGROUND_RECOVER_BUDGET;
  let queued = 0;
  let completed = 0;
  for (const job of await deps.recovers.listRecovers(JOBS_PER_RUN)) {
    if (budget <= 0) break;
    if (now - Date.parse(job.updatedAt) < graceMs) continue;
    const webhook = await deps.webhooks.get(job.accountId, job.webhookId);
    if (webhook?.status !== 'active') {
      await deps.recovers.completeRecover(job.webhookId);
      completed += 1;
      continue;
    }
    const result = await runRecover(deps, job, budget);
    budget -= result.visited;
    queued += result.queued;
    if (result.done) completed += 1;
  }
  return { queued, completed };
}

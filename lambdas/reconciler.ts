import { reconcilerDependencies } from './composition.js';
import { log } from './logging.js';
import { sendQueuedConfirmations } from './services/alert-emails.js';
import type { DependenciesProvider } from './services/dependencies.js';
import { requeueOverdue } from './services/reconcile.js';
import { continueHistoryPurges } from './services/retention.js';

/**
 * Scheduled: re-queues deliveries still pending well past their due time, carries on removing
 * the history of deleted webhooks that DELETE left to the background (docs/retention.md), and sends
 * the queued alert-address confirmation mails (docs/escalation.md).
 */
export function createReconcilerHandler(dependencies: DependenciesProvider) {
  return async (): Promise<{ requeued: number; purged: number; confirmationsSent: number }> => {
    const deps = dependencies();
    const requeued = await requeueOverdue(deps);
    const purge = await continueHistoryPurges(deps);
    const confirmationsSent = await sendQueuedConfirmations(deps);
    log.info('reconciled', {
      requeued,
      purged: purge.deleted,
      purgesCompleted: purge.completed,
      confirmationsSent,
    });
    return { requeued, purged: purge.deleted, confirmationsSent };
  };
}

export const handler = createReconcilerHandler(reconcilerDependencies);

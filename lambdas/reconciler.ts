import { reconcilerDependencies } from './composition.js';
import { log } from './logging.js';
import type { DependenciesProvider } from './services/dependencies.js';
import { requeueOverdue } from './services/reconcile.js';

/** Scheduled: re-queues deliveries still pending well past their due time. */
export function createReconcilerHandler(dependencies: DependenciesProvider) {
  return async (): Promise<{ requeued: number }> => {
    const requeued = await requeueOverdue(dependencies());
    log.info('reconciled', { requeued });
    return { requeued };
  };
}

export const handler = createReconcilerHandler(reconcilerDependencies);

import { reconcilerDependencies } from './composition.js';
import { log } from './logging.js';
import { continueAccountPurges } from './services/account-deletion.js';
import { sendQueuedConfirmations } from './services/alert-emails.js';
import type { Dependencies, DependenciesProvider } from './services/dependencies.js';
import { requeueAllPending, requeueOverdue } from './services/reconcile.js';
import { continueRecovers } from './services/recover.js';
import { continueHistoryPurges } from './services/retention.js';

/**
 * What one reconciler run does. The deployed schedule uses the defaults: every part, every run.
 * The local runtime (lambdas/local/wiring.ts) builds three handlers from this entry with other
 * options: its start-up sweep, its reconcile timer, and its faster confirmation-mail timer.
 */
export interface ReconcilerOptions {
  /**
   * Which pending deliveries are queued again: `overdue`, those pending well past their due time
   * (a queue message lost, a crash between the DynamoDB write and the SQS send); `all`, every
   * pending delivery, due or not: the start-up sweep of a runtime whose queues were just created
   * empty (the local runtime after a stop or a crash: its queues are in memory); `none`.
   * @default 'overdue'
   */
  readonly requeue?: 'overdue' | 'all' | 'none';
  /** Carry on removing the history of deleted webhooks (docs/retention.md). @default true */
  readonly purgeHistory?: boolean;
  /** Carry on deleting the accounts DELETE /v1/admin/accounts/{id} left to it (docs/storage.md). @default true */
  readonly purgeAccounts?: boolean;
  /** Carry on the recovers their requests left to the background (docs/storage.md). @default true */
  readonly recover?: boolean;
  /** Send the queued alert-address confirmation mails (docs/escalation.md). @default true */
  readonly sendConfirmations?: boolean;
  /**
   * Log the `reconciled` summary line (every run: a heartbeat in CloudWatch). The local runtime turns
   * it off: it logs what its runs did in its own lines, and one of its timers runs every second.
   * @default true
   */
  readonly logSummary?: boolean;
}

export interface ReconcilerResult {
  readonly requeued: number;
  readonly purged: number;
  readonly accountItemsPurged: number;
  readonly recovered: number;
  readonly confirmationsSent: number;
}

const REQUEUE = {
  overdue: (deps: Dependencies) => requeueOverdue(deps),
  all: (deps: Dependencies) => requeueAllPending(deps),
  none: async () => 0,
} as const;

/**
 * Scheduled: re-queues deliveries still pending well past their due time, carries on removing
 * deleted accounts' data, the history of deleted webhooks that DELETE left to the background
 * (docs/retention.md) and the
 * recovers their requests left to it, and sends
 * the queued alert-address confirmation mails (docs/escalation.md), in this order.
 */
export function createReconcilerHandler(dependencies: DependenciesProvider, options: ReconcilerOptions = {}) {
  const {
    requeue = 'overdue',
    purgeHistory = true,
    purgeAccounts = true,
    recover = true,
    sendConfirmations = true,
    logSummary = true,
  } = options;
  return async (): Promise<ReconcilerResult> => {
    const deps = dependencies();
    const requeued = await REQUEUE[requeue](deps);
    // Before the history purges: an account's webhook step leaves purge requests for them.
    const accounts = purgeAccounts ? await continueAccountPurges(deps) : { deleted: 0, completed: 0 };
    const purge = purgeHistory ? await continueHistoryPurges(deps) : { deleted: 0, completed: 0 };
    const recovered = recover ? await continueRecovers(deps) : { queued: 0, completed: 0 };
    const confirmationsSent = sendConfirmations ? await sendQueuedConfirmations(deps) : 0;
    if (logSummary) {
      log.info('reconciled', {
        requeued,
        purged: purge.deleted,
        accountItemsPurged: accounts.deleted,
        accountPurgesCompleted: accounts.completed,
        purgesCompleted: purge.completed,
        recovered: recovered.queued,
        recoversCompleted: recovered.completed,
        confirmationsSent,
      });
    }
    return {
      requeued,
      purged: purge.deleted,
      accountItemsPurged: accounts.deleted,
      recovered: recovered.queued,
      confirmationsSent,
    };
  };
}

export const handler = createReconcilerHandler(reconcilerDependencies);

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DomainError } from '../domain/errors.js';
import { hashApiKey } from '../domain/ids.js';
import { TENANT_SCOPES } from '../domain/model.js';
import type { ReconcilerResult } from '../reconciler.js';
import type { Dependencies } from '../services/dependencies.js';
import { DEMO_EVENT_TYPES } from './demo-catalog.js';
import type { LocalEventBus } from './event-bus.js';
import type { LocalRuntimeOptions } from './options.js';

/**
 * What the local runtime does around the handlers: its data directory, the local account with its
 * key and the demo catalog, the recovery at start (the in-memory queues begin empty) and the timers
 * standing in for the reconciler's schedule.
 */

export const LOCAL_ACCOUNT_ID = 'acc_local';

/** The reconciler's local runs, each a handler of lambdas/reconciler.ts (wiring.ts builds them). */
export type LocalReconcilers = Record<
  'startupSweep' | 'scheduled' | 'confirmations',
  () => Promise<ReconcilerResult>
>;

/** The files of the data directory (the bus journal and the dynalite data live in it too). */
export interface LocalFiles {
  readonly dynamoDbDir: string;
  /** The Secrets Manager twin: the key signing secrets are encrypted with, made on first start. */
  readonly masterKeyPath: string;
  /** The SES twin: alert emails, one JSON file each. */
  readonly outboxDir: string;
  /** The SNS twin: one JSON line per escalation transition. */
  readonly opsTopicLog: string;
  /** What `$BASE/local/receiver` received. */
  readonly receiverLog: string;
  readonly stepFunctionsDir: string;
}

export async function prepareDataDir(dataDir: string): Promise<LocalFiles> {
  const dynamoDbDir = join(dataDir, 'dynamodb');
  await mkdir(dynamoDbDir, { recursive: true });
  const masterKeyPath = join(dataDir, 'master.key');
  if (!existsSync(masterKeyPath))
    await writeFile(masterKeyPath, randomBytes(32).toString('base64'), { mode: 0o600 });
  return {
    dynamoDbDir,
    masterKeyPath,
    outboxDir: join(dataDir, 'outbox'),
    opsTopicLog: join(dataDir, 'ops-topic.jsonl'),
    receiverLog: join(dataDir, 'receiver.jsonl'),
    stepFunctionsDir: join(dataDir, 'stepfunctions'),
  };
}

async function ignoreConflict(work: () => Promise<unknown>): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (!(error instanceof DomainError && error.code === 'conflict')) throw error;
  }
}

/** The local account, its API key (all tenant scopes) and the demo event types, unless there already. */
export async function seedLocalAccount(deps: Dependencies, apiKey: string): Promise<void> {
  const now = new Date().toISOString();
  await ignoreConflict(() =>
    deps.accounts.create({ id: LOCAL_ACCOUNT_ID, name: 'Local account', plan: 'enterprise', createdAt: now }),
  );
  const keyHash = hashApiKey(apiKey);
  if (!(await deps.apiKeys.findByHash(keyHash))) {
    await deps.apiKeys.create({
      id: `key_local${keyHash.slice(0, 8)}`,
      accountId: LOCAL_ACCOUNT_ID,
      keyHash,
      prefix: apiKey.slice(0, 10),
      scopes: [...TENANT_SCOPES],
      name: 'local',
      createdAt: now,
    });
  }
  for (const eventType of DEMO_EVENT_TYPES) {
    if (!(await deps.eventTypes.get(eventType.name)))
      await deps.eventTypes.put({ ...eventType, updatedAt: now });
  }
}

/**
 * The start-up recovery, then the schedules: the queues are new and empty at start, so the
 * reconciler's start-up sweep re-queues everything DynamoDB still calls pending, then the events
 * the bus accepted but fan-out had not taken are replayed. Then the reconciler every
 * `reconcileIntervalMs`, and its confirmation mails every `confirmationSweepIntervalMs`.
 */
export async function startSchedules(
  options: Pick<LocalRuntimeOptions, 'reconcileIntervalMs' | 'confirmationSweepIntervalMs'>,
  reconcilers: LocalReconcilers,
  bus: LocalEventBus,
  log: (line: string) => void,
): Promise<{ stop(): void }> {
  const reconcile = async (run: () => Promise<ReconcilerResult>) => {
    try {
      const { requeued, purged, accountItemsPurged, recovered } = await run();
      if (requeued > 0) log(`reconciler re-queued ${requeued} overdue deliveries`);
      if (purged > 0) log(`reconciler purged ${purged} deliveries of deleted webhooks`);
      if (accountItemsPurged > 0) log(`reconciler removed ${accountItemsPurged} items of deleted accounts`);
      if (recovered > 0) log(`reconciler queued ${recovered} deliveries of recovers in progress`);
    } catch (error) {
      log(`reconciler failed: ${String(error)}`);
    }
  };
  await reconcile(reconcilers.startupSweep);
  const replayed = await bus.replay();
  if (replayed > 0) log(`replayed ${replayed} events accepted before the last stop`);
  const reconcileTimer = setInterval(
    () => reconcile(reconcilers.scheduled),
    options.reconcileIntervalMs ?? 60_000,
  );
  reconcileTimer.unref();
  let sweeping = false;
  const confirmationTimer = setInterval(async () => {
    if (sweeping) return;
    sweeping = true;
    try {
      await reconcilers.confirmations();
    } catch (error) {
      log(`confirmation mails failed: ${String(error)}`);
    } finally {
      sweeping = false;
    }
  }, options.confirmationSweepIntervalMs ?? 1000);
  confirmationTimer.unref();
  return {
    stop: () => {
      clearInterval(reconcileTimer);
      clearInterval(confirmationTimer);
    },
  };
}

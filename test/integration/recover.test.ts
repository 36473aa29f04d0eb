import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDependencies, dynamoDbPorts, recoverPorts } from '../../lambdas/composition.js';
import { newEventId } from '../../lambdas/domain/ids.js';
import type { DeliveryJob, DeliveryQueue, ParkedRecord } from '../../lambdas/domain/ports/queues.js';
import type { Dependencies } from '../../lambdas/services/dependencies.js';
import { continueRecovers, recoverWebhook } from '../../lambdas/services/recover.js';
import { rejection } from '../support/assertions.js';
import { dynamoConfig, startDynamo, type TestDynamo } from '../support/dynamodb.js';
import { aDelivery, anAccount, anAttempt, aWebhook } from '../support/factories.js';

/**
 * Recover against a real DynamoDB engine (dynalite): bounded work per request, the rest carried on
 * by the reconciler's part from the job's cursor, every delivery of the window queued once, one job
 * per endpoint at a time.
 */

let dynamo: TestDynamo;

beforeAll(async () => {
  dynamo = await startDynamo();
});

afterAll(async () => {
  await dynamo?.stop();
});

class RecordingQueue implements DeliveryQueue {
  readonly jobs: DeliveryJob[] = [];
  async enqueue(jobs: readonly DeliveryJob[]): Promise<void> {
    this.jobs.push(...jobs);
  }
  async park(_record: ParkedRecord): Promise<void> {}
}

function dependencies(queue: RecordingQueue): Dependencies {
  return createDependencies(dynamoConfig(dynamo), {
    ...dynamoDbPorts,
    ...recoverPorts,
    queue: () => queue,
  });
}

describe('recover', () => {
  it('does a bounded part inline, the reconciler the rest, each delivery of the window once', async () => {
    // Prepare: 25 failed deliveries in the window, a succeeded and a pending one, one failed after it
    const queue = new RecordingQueue();
    const deps = dependencies(queue);
    const account = anAccount();
    await deps.accounts.create(account);
    const webhook = aWebhook({ accountId: account.id });
    await deps.webhooks.create(webhook);
    const t0 = Date.now() - 3_600_000;
    const failed = [];
    const create = async (offsetMs: number, status: 'failed' | 'succeeded' | 'pending') => {
      const delivery = aDelivery({
        accountId: account.id,
        webhookId: webhook.id,
        eventId: newEventId(t0 + offsetMs),
        status,
        attemptCount: status === 'pending' ? 0 : 1,
        attempts: status === 'pending' ? [] : [anAttempt({ statusCode: status === 'failed' ? 500 : 200 })],
        ...(status === 'pending' ? { nextAttemptAt: new Date().toISOString() } : {}),
      });
      await deps.deliveries.createDelivery(delivery);
      return delivery;
    };
    for (let i = 0; i < 25; i++) failed.push(await create(i * 1000, 'failed'));
    await create(30_000, 'succeeded');
    await create(31_000, 'pending');
    const after = await create(120_000, 'failed');
    const since = new Date(t0).toISOString();
    const until = new Date(t0 + 60_000).toISOString();

    // Act
    const first = await recoverWebhook(deps, account.id, webhook.id, { since, until }, 10);
    const again = await recoverWebhook(deps, account.id, webhook.id, { since, until }, 10);
    const other = await rejection(recoverWebhook(deps, account.id, webhook.id, { since, status: 'all' }, 10));
    const background = [
      await continueRecovers(deps, { graceMs: 0, budget: 10 }),
      await continueRecovers(deps, { graceMs: 0, budget: 10 }),
      await continueRecovers(deps, { graceMs: 0, budget: 10 }),
    ];

    // Assess
    expect(first).toEqual({ queued: 10, done: false });
    expect(again).toEqual({ queued: 0, done: false });
    expect(other.code).toBe('conflict');
    expect(background).toEqual([
      { queued: 10, completed: 0 },
      { queued: 5, completed: 1 },
      { queued: 0, completed: 0 },
    ]);
    const queuedIds = queue.jobs.map((job) => job.deliveryId);
    expect(new Set(queuedIds).size).toBe(queuedIds.length);
    expect(queuedIds.sort()).toEqual(failed.map((delivery) => delivery.id).sort());
    expect(queue.jobs.every((job) => job.attempt === 2)).toBe(true);
    expect((await deps.deliveries.getDelivery(after.id))?.status).toBe('failed');
    expect(await deps.recovers.listRecovers(10)).toEqual([]);
    // Each reopened delivery left the failed count once (these were never counted: -25).
    expect((await deps.stats.get(webhook.id)).failed).toBe(-25);
    // Done: a new recover may start (all final deliveries of the window: the succeeded one).
    expect(await recoverWebhook(deps, account.id, webhook.id, { since, until, status: 'all' })).toEqual({
      queued: 1,
      done: true,
    });
  });
});

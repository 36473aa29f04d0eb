import type { AllTimeStats, WindowStats } from '../domain/model.js';
import type { StatsDelta } from '../domain/ports/delivery-stores.js';
import { hourBucket } from '../domain/stats-hours.js';
import type { JobResult } from './delivery.js';
import type { Dependencies } from './dependencies.js';
import { getWebhook } from './webhook-lookup.js';

/**
 * One stats write per endpoint per batch: final outcomes count as deliveries, every attempt is timed.
 * A test send's outcome counts apart (testSuccessful/testFailed), in neither the live counters nor the
 * window's average.
 */
export async function recordStats(
  deps: Pick<Dependencies, 'stats' | 'clock'>,
  results: readonly JobResult[],
): Promise<void> {
  type Delta = { -readonly [K in keyof StatsDelta]-?: number };
  const byWebhook = new Map<string, Delta>();
  const deltaFor = (webhookId: string): Delta => {
    let delta = byWebhook.get(webhookId);
    if (!delta) {
      delta = {
        successful: 0,
        failed: 0,
        responseTimeMsTotal: 0,
        timed: 0,
        testSuccessful: 0,
        testFailed: 0,
      };
      byWebhook.set(webhookId, delta);
    }
    return delta;
  };
  for (const result of results) {
    // A deleted endpoint has no stats left to keep (its history is being purged).
    if (result.kind === 'ended' && result.reason !== 'endpoint_deleted') {
      if (result.test) deltaFor(result.webhookId).testFailed += 1;
      else deltaFor(result.webhookId).failed += 1;
    }
    if (result.kind !== 'attempted') continue;
    const delta = deltaFor(result.webhookId);
    if (result.test) {
      if (result.final && result.outcome === 'delivered') delta.testSuccessful += 1;
      else if (result.final) delta.testFailed += 1;
      continue;
    }
    delta.timed += 1;
    delta.responseTimeMsTotal += result.responseTimeMs;
    if (result.final && result.outcome === 'delivered') delta.successful += 1;
    else if (result.final) delta.failed += 1;
  }
  const hour = hourBucket(deps.clock.now());
  await Promise.all([...byWebhook].map(([webhookId, delta]) => deps.stats.add(webhookId, hour, delta)));
}

/**
 * GET /v1/webhooks/{id}/stats: the last 24 hours (hourly buckets, the current hour included) and all
 * time, read from the counters (one GetItem), never from the history.
 */
export async function getWebhookStats(
  deps: Pick<Dependencies, 'webhooks' | 'stats' | 'clock'>,
  accountId: string,
  webhookId: string,
): Promise<{ last24h: WindowStats; allTime: AllTimeStats }> {
  await getWebhook(deps, accountId, webhookId);
  return deps.stats.getWindow(webhookId, deps.clock.now());
}

import type { JobResult } from './delivery.js';
import type { Dependencies } from './dependencies.js';

export const hourBucket = (date: Date): string => date.toISOString().slice(0, 13).replace(/[-T]/g, '');

/** One stats write per endpoint per batch: final outcomes count as deliveries, every attempt is timed. */
export async function recordStats(deps: Dependencies, results: readonly JobResult[]): Promise<void> {
  type Delta = { successful: number; failed: number; responseTimeMsTotal: number; timed: number };
  const byWebhook = new Map<string, Delta>();
  const deltaFor = (webhookId: string): Delta => {
    let delta = byWebhook.get(webhookId);
    if (!delta) {
      delta = { successful: 0, failed: 0, responseTimeMsTotal: 0, timed: 0 };
      byWebhook.set(webhookId, delta);
    }
    return delta;
  };
  for (const result of results) {
    if (result.kind === 'ended') deltaFor(result.webhookId).failed += 1;
    if (result.kind !== 'attempted') continue;
    const delta = deltaFor(result.webhookId);
    delta.timed += 1;
    delta.responseTimeMsTotal += result.responseTimeMs;
    if (result.final && result.outcome === 'delivered') delta.successful += 1;
    else if (result.final) delta.failed += 1;
  }
  const hour = hourBucket(deps.clock.now());
  await Promise.all([...byWebhook].map(([webhookId, delta]) => deps.stats.add(webhookId, hour, delta)));
}

import { describe, expect, it } from 'vitest';
import { runChaos } from '../support/chaos.js';

/**
 * The small version of `npm run chaos`: 60 events x 5 endpoints with 30% injected failures and one
 * SIGKILL of the runtime mid-run. Nothing may be lost, and every delivery in the history ends
 * succeeded (the reconciler re-queues what the killed process held in its in-memory queues).
 */
describe('fault injection', () => {
  it('loses nothing through random receiver failures and a SIGKILL of the runtime', async () => {
    // Act
    const report = await runChaos({
      events: 60,
      endpoints: 5,
      failureRate: 0.3,
      kills: 1,
      timeoutMs: 120_000,
    });

    // Assess
    expect(report.kills).toBe(1);
    expect(report.injectedFailures).toBeGreaterThan(0);
    expect(report.lost).toBe(0);
    expect(report.finalStatuses).toEqual({ succeeded: 300 });
  }, 240_000);
});

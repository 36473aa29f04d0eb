import { describe, expect, it } from 'vitest';
import { deliveryBatchCounts, deliveryWarning, fanOutBatchCounts } from '../../lambdas/batch-logs.js';
import type { JobResult } from '../../lambdas/services/delivery.js';

/** What the deliver and fanout handlers log per invocation, and which records get a warn line. */

const attempted = (outcome: 'delivered' | 'retry' | 'failed' | 'gone', final: boolean): JobResult => ({
  kind: 'attempted',
  webhookId: 'wh_1',
  outcome,
  final,
  responseTimeMs: 12,
});

describe('deliveryBatchCounts', () => {
  it('counts each job by what became of it', () => {
    // Prepare
    const results: JobResult[] = [
      attempted('delivered', true),
      attempted('delivered', true),
      attempted('retry', false),
      attempted('retry', true),
      attempted('gone', true),
      { kind: 'ended', reason: 'endpoint_deleted', webhookId: 'wh_1' },
      { kind: 'skipped', reason: 'already processed' },
      { kind: 'deferred' },
    ];

    // Act
    const counts = deliveryBatchCounts(10, results, 1, 1);

    // Assess
    expect(counts).toEqual({
      jobs: 10,
      delivered: 2,
      retried: 1,
      failed: 2,
      ended: 1,
      skipped: 1,
      deferred: 1,
      parked: 1,
      recordErrors: 1,
    });
  });
});

describe('deliveryWarning', () => {
  it('warns of a failed attempt, with its outcome and whether it was the last', () => {
    // Act
    const warning = deliveryWarning(3, attempted('retry', false));

    // Assess
    expect(warning).toEqual({
      message: 'delivery attempt failed',
      details: { attempt: 3, outcome: 'retry', final: false, responseTimeMs: 12 },
    });
  });

  it('warns of an ended delivery with its reason', () => {
    // Act
    const warning = deliveryWarning(1, { kind: 'ended', reason: 'event_expired', webhookId: 'wh_1' });

    // Assess
    expect(warning).toEqual({ message: 'delivery ended', details: { attempt: 1, reason: 'event_expired' } });
  });

  it('writes nothing for a delivered, skipped or deferred job', () => {
    // Act
    const warnings = [
      deliveryWarning(1, attempted('delivered', true)),
      deliveryWarning(1, { kind: 'skipped', reason: 'already processed' }),
      deliveryWarning(1, { kind: 'deferred' }),
    ];

    // Assess
    expect(warnings).toEqual([undefined, undefined, undefined]);
  });

  it('warns of a delivered attempt whose escalation step failed', () => {
    // Act
    const warning = deliveryWarning(1, {
      ...attempted('delivered', true),
      escalationError: 'throttled',
    } as JobResult);

    // Assess
    expect(warning?.message).toBe('escalation step failed');
  });
});

describe('fanOutBatchCounts', () => {
  it('counts events fanned out, duplicates and drops, and the deliveries created', () => {
    // Act
    const counts = fanOutBatchCounts(
      5,
      [
        { deliveries: 5, duplicateEvent: false, dropped: false },
        { deliveries: 0, duplicateEvent: false, dropped: false },
        { deliveries: 0, duplicateEvent: true, dropped: false },
        { deliveries: 0, duplicateEvent: false, dropped: true },
      ],
      1,
      0,
    );

    // Assess
    expect(counts).toEqual({
      messages: 5,
      fannedOut: 2,
      deliveries: 5,
      duplicates: 1,
      dropped: 1,
      parked: 1,
      recordErrors: 0,
    });
  });
});

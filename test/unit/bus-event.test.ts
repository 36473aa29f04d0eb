import { describe, expect, it } from 'vitest';
import { parseBusEvent } from '../../lambdas/services/fanout.js';

/** An EventBridge envelope as the ingest queue receives it. */
const envelope = (detail: unknown, detailType = 'order.created') =>
  JSON.stringify({
    version: '0',
    id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
    'detail-type': detailType,
    source: 'billing-service',
    time: '2025-01-15T10:00:00Z',
    detail,
  });

describe('parseBusEvent', () => {
  it('reads the snake_case detail of the API', () => {
    // Act
    const parsed = parseBusEvent(envelope({ account_id: 'acc_1', data: { n: 1 }, idempotency_key: 'k-1' }));

    // Assess
    expect(parsed).toMatchObject({
      ok: true,
      fromApi: false,
      event: { accountId: 'acc_1', type: 'order.created', data: { n: 1 }, idempotencyKey: 'k-1' },
    });
  });

  it("reads the design card's camelCase detail the same way", () => {
    // Act
    const camel = parseBusEvent(envelope({ accountId: 'acc_1', data: { n: 1 }, idempotencyKey: 'k-1' }));
    const snake = parseBusEvent(envelope({ account_id: 'acc_1', data: { n: 1 }, idempotency_key: 'k-1' }));

    // Assess
    expect(camel).toEqual(snake);
  });

  it('prefers the snake_case field when both spellings are present', () => {
    // Act
    const parsed = parseBusEvent(envelope({ account_id: 'acc_snake', accountId: 'acc_camel', data: {} }));

    // Assess
    expect(parsed).toMatchObject({ ok: true, event: { accountId: 'acc_snake' } });
  });

  it.each([
    ['no account', { data: {} }],
    ['a detail that is not an object', 'acc_1'],
    ['an account id of the wrong type', { accountId: 42, data: {} }],
  ])('refuses %s with a reason (the event is parked)', (_label, detail) => {
    // Act
    const parsed = parseBusEvent(envelope(detail));

    // Assess
    expect(parsed).toMatchObject({ ok: false, reason: expect.stringContaining('not a webhook event') });
  });
});

import { describe, expect, it } from 'vitest';
import { busEntryFor, busEntrySize, MAX_BUS_ENTRY_BYTES } from '../../lambdas/domain/bus-event.js';
import { eventIdFromBusEvent } from '../../lambdas/domain/ids.js';
import { isSqsSafeText } from '../../lambdas/domain/sqs-text.js';
import { parseIngestMessage } from '../../lambdas/messages/ingest-message.js';

const BUS_EVENT_ID = '6a7e8feb-b491-4cf7-a9f1-bf3703467718';
const TIME = '2025-01-15T10:00:00Z';

/** An EventBridge envelope as the ingest queue receives it (EventBridge writes the detail out anew). */
const envelope = (detail: unknown, detailType = 'order.created', id = BUS_EVENT_ID) =>
  JSON.stringify({
    version: '0',
    id,
    'detail-type': detailType,
    source: 'billing-service',
    account: '123456789012',
    time: TIME,
    region: 'eu-west-1',
    resources: [],
    detail,
  });

describe('parseIngestMessage: bus events', () => {
  it('reads the snake_case detail of the API, with an id derived from the envelope', () => {
    // Act
    const parsed = parseIngestMessage(
      envelope({ account_id: 'acc_1', data: { n: 1 }, idempotency_key: 'k-1' }),
    );
    // Assess
    expect(parsed).toEqual({
      ok: true,
      event: {
        id: eventIdFromBusEvent(BUS_EVENT_ID, Date.parse(TIME)),
        accountId: 'acc_1',
        type: 'order.created',
        data: { n: 1 },
        timestamp: '2025-01-15T10:00:00.000Z',
        idempotencyKey: 'k-1',
      },
    });
  });

  it("reads the design card's camelCase detail the same way", () => {
    // Act
    const camel = parseIngestMessage(envelope({ accountId: 'acc_1', data: { n: 1 }, idempotencyKey: 'k-1' }));
    const snake = parseIngestMessage(
      envelope({ account_id: 'acc_1', data: { n: 1 }, idempotency_key: 'k-1' }),
    );
    // Assess
    expect(camel).toEqual(snake);
  });

  it('prefers the snake_case field when both spellings are present', () => {
    // Act
    const parsed = parseIngestMessage(
      envelope({ account_id: 'acc_snake', accountId: 'acc_camel', data: {} }),
    );
    // Assess
    expect(parsed).toMatchObject({ ok: true, event: { accountId: 'acc_snake' } });
  });

  it('never takes an event id from the detail: a forged event_id names nothing', () => {
    // Prepare
    const forged = 'evt_01jh0000000000000000000000';
    // Act
    const parsed = parseIngestMessage(envelope({ account_id: 'acc_1', data: {}, event_id: forged }));
    // Assess
    expect(parsed).toMatchObject({
      ok: true,
      event: { id: eventIdFromBusEvent(BUS_EVENT_ID, Date.parse(TIME)) },
    });
    expect(parsed.ok && parsed.event.id).not.toBe(forged);
  });

  it('gives two bus events two ids, whatever their details say', () => {
    // Act
    const first = parseIngestMessage(envelope({ account_id: 'acc_1', data: {} }, 'order.created', 'a'));
    const second = parseIngestMessage(envelope({ account_id: 'acc_1', data: {} }, 'order.created', 'b'));
    // Assess
    expect(first.ok && second.ok && first.event.id !== second.event.id).toBe(true);
  });

  it.each(['endpoint.failing', 'endpoint.recovered', 'endpoint.disabled'])(
    'refuses the operational type %s on the bus',
    (type) => {
      // Act
      const parsed = parseIngestMessage(
        envelope({ account_id: 'acc_1', data: { webhook_id: 'wh_x' } }, type),
      );
      // Assess
      expect(parsed).toEqual({
        ok: false,
        reason: `${type} is published by the service itself, never through the bus`,
      });
    },
  );

  it.each([
    ['no account', { data: {} }],
    ['a detail that is not an object', 'acc_1'],
    ['an account id of the wrong type', { accountId: 42, data: {} }],
    ['no data', { account_id: 'acc_1' }],
    ['data that is an array', { account_id: 'acc_1', data: [1] }],
    [
      'data nested deeper than the API takes',
      { account_id: 'acc_1', data: JSON.parse(`${'{"a":'.repeat(40)}1${'}'.repeat(40)}`) },
    ],
    [
      'an idempotency key of 201 characters',
      { account_id: 'acc_1', data: {}, idempotency_key: 'k'.repeat(201) },
    ],
    ['a detail_json that is not a string', { account_id: 'acc_1', detail_json: {} }],
    ['a detail_json beside data', { account_id: 'acc_1', data: {}, detail_json: '{}' }],
    [
      'a detail_json for another account',
      { account_id: 'acc_1', detail_json: '{"account_id":"acc_2","data":{}}' },
    ],
  ])('refuses %s with a reason (the event is parked)', (_label, detail) => {
    // Act
    const parsed = parseIngestMessage(envelope(detail));
    // Assess
    expect(parsed).toMatchObject({ ok: false, reason: expect.stringContaining('not a webhook event') });
  });

  it('refuses a body that is not JSON, or not an envelope', () => {
    // Act
    const outcomes = ['not json', 'null', '[]', '{"id":"x"}'].map((body) => parseIngestMessage(body).ok);
    // Assess
    expect(outcomes).toEqual([false, false, false, false]);
  });
});

describe('the API entry on the bus, and back', () => {
  const STRANGE = {
    'emoji 🎉': 'New sale! 🎉',
    astral: '\u{10FFFF}\u{1F389}',
    noncharacters: '\uFFFE\uFFFF',
    controls: '\u0000\u0001\u001f\u007f',
    'lone surrogates': '\ud800 \udfff',
  };

  it('writes a detail that SQS takes and fan-out reads back exactly, even when EventBridge writes it out anew', () => {
    // Prepare
    const entry = busEntryFor({
      accountId: 'acc_1',
      type: 'order.created',
      data: { ...STRANGE, nested: { 'key \uFFFF': [STRANGE.noncharacters] } },
      idempotencyKey: 'key \uFFFF 🎉',
      time: new Date('2025-01-15T10:00:00.750Z'),
    });
    // Act: EventBridge parses the Detail and writes it into its envelope
    const body = envelope(JSON.parse(entry.Detail));
    const parsed = parseIngestMessage(body);
    // Assess
    expect(isSqsSafeText(entry.Detail)).toBe(true);
    expect(isSqsSafeText(body)).toBe(true);
    expect(parsed).toMatchObject({
      ok: true,
      event: {
        accountId: 'acc_1',
        data: { ...STRANGE, nested: { 'key \uFFFF': [STRANGE.noncharacters] } },
        idempotencyKey: 'key \uFFFF 🎉',
      },
    });
  });

  it('sends a detail without such characters plain, so rules on the bus can match its data', () => {
    // Act
    const entry = busEntryFor({
      accountId: 'acc_1',
      type: 'order.created',
      data: { note: '🎉' },
      time: new Date(),
    });
    // Assess
    expect(JSON.parse(entry.Detail)).toEqual({ account_id: 'acc_1', data: { note: '🎉' } });
  });

  it('counts the entry as EventBridge does: Time 14 bytes, Source, DetailType and Detail in UTF-8', () => {
    // Prepare
    const entry = busEntryFor({
      accountId: 'acc_1',
      type: 'order.created',
      data: { note: '🎉' },
      time: new Date(),
    });
    // Act
    const size = busEntrySize(entry);
    // Assess
    expect(size).toBe(
      14 + 'serverless-webhooks.api'.length + 'order.created'.length + Buffer.byteLength(entry.Detail),
    );
    expect(MAX_BUS_ENTRY_BYTES).toBe(262_144);
  });

  it('sends whole seconds as Time: the envelope has no fraction and the id derives from it', () => {
    // Act
    const entry = busEntryFor({
      accountId: 'a',
      type: 't',
      data: {},
      time: new Date('2025-01-15T10:00:00.999Z'),
    });
    // Assess
    expect(entry.Time.toISOString()).toBe('2025-01-15T10:00:00.000Z');
  });
});

describe('parseIngestMessage: service events', () => {
  const serviceEvent = (type: string) =>
    JSON.stringify({
      service_event: {
        id: 'evt_01jh0000000000000000000000',
        account_id: 'acc_1',
        type,
        timestamp: '2025-01-18T10:00:00.000Z',
        data: { webhook_id: 'wh_abc' },
      },
    });

  it('reads an operational event the service sent itself, keeping its id', () => {
    // Act
    const parsed = parseIngestMessage(serviceEvent('endpoint.disabled'));
    // Assess
    expect(parsed).toMatchObject({
      ok: true,
      event: { id: 'evt_01jh0000000000000000000000', type: 'endpoint.disabled', accountId: 'acc_1' },
    });
  });

  it('takes only operational types that way', () => {
    // Act
    const parsed = parseIngestMessage(serviceEvent('order.created'));
    // Assess
    expect(parsed).toEqual({ ok: false, reason: 'order.created is not an operational event type' });
  });
});

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import { type ErrorBody, expectError } from '../support/assertions.js';
import { type ApiClient, eventually, startTestRuntime, type TestRuntime } from '../support/local-runtime.js';
import { Receiver } from '../support/receiver.js';

/**
 * Issue 12's event log and delivery search on the local runtime: GET /v1/events (newest first,
 * type and time filters, cursors), GET /v1/events/{id} (data and one delivery per endpoint),
 * GET /v1/deliveries across endpoints, the same filters on an endpoint's own list, and test sends
 * marked `test` in the history and in the log, and kept out of the live stats. Event ids (and so
 * the order) follow the bus event's time, in whole seconds: the events here are a second apart.
 */

interface EventSummary {
  id: string;
  type: string;
  created_at: string;
  idempotency_key: string | null;
  test: boolean;
}
interface Page<T> {
  data: T[];
  next_cursor: string | null;
}
interface DeliverySummary {
  id: string;
  webhook_id: string;
  event_id: string;
  event_type: string;
  status: string;
  test: boolean;
}
interface EventDetail extends EventSummary {
  data: unknown;
  deliveries: { webhook_id: string; delivery_id: string; status: string; attempt_count: number }[];
  deliveries_next_cursor: string | null;
}

let runtime: TestRuntime;
let receiver: Receiver;
let tenant: ApiClient;
let all: WebhookResource;
let ordersOnly: WebhookResource;
const published: { id: string; type: string }[] = [];
let between: { since: string; until: string };

async function pages<T>(path: string): Promise<T[][]> {
  const found: T[][] = [];
  let cursor: string | null = null;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const response: { status: number; body: Page<T> } = await tenant.get<Page<T>>(
      cursor ? `${path}${separator}cursor=${encodeURIComponent(cursor)}` : path,
    );
    expect(response.status, JSON.stringify(response.body)).toBe(200);
    found.push(response.body.data);
    cursor = response.body.next_cursor;
  } while (cursor);
  return found;
}

beforeAll(async () => {
  [runtime, receiver] = await Promise.all([startTestRuntime(), Receiver.start()]);
  tenant = runtime.tenant;
  const create = async (name: string, events: string[]) => {
    const created = await tenant.post<WebhookResource>('/v1/webhooks', {
      name,
      url: `${receiver.url}/${name}`,
      events,
    });
    expect(created.status).toBe(201);
    return created.body;
  };
  all = await create('all', []);
  ordersOnly = await create('orders', ['order.created']);
  const types = ['order.created', 'document.sent', 'order.created', 'document.sent'];
  for (const [index, type] of types.entries()) {
    // Event ids order by the bus event's time, which has whole seconds: one event per second.
    if (index > 0) await new Promise((resolve) => setTimeout(resolve, 1_050));
    const response = await tenant.post<{ id: string }>('/v1/events', {
      type,
      data: { n: index },
      ...(index === 0 ? { idempotency_key: 'log-key-0' } : {}),
    });
    expect(response.status).toBe(202);
    published.push({ id: response.body.id, type });
  }
  // 4 events to `all`, 2 to `orders`: every delivery final (the receiver answers 200).
  await eventually(async () => {
    const page = await tenant.get<Page<DeliverySummary>>('/v1/deliveries?status=succeeded&limit=100');
    return page.body.data.length === 6 ? true : undefined;
  });
  // The window of the second and third events: their own times, both ends inclusive.
  const timeOf = async (id: string) => (await tenant.get<EventDetail>(`/v1/events/${id}`)).body.created_at;
  between = { since: await timeOf(published[1]!.id), until: await timeOf(published[2]!.id) };
}, 60_000);

afterAll(async () => {
  await Promise.all([runtime?.dispose(), receiver?.stop()]);
});

describe('GET /v1/events', () => {
  it('lists the events newest first, paged, with their idempotency key', async () => {
    const listed = await pages<EventSummary>('/v1/events?limit=3');
    expect(listed.map((page) => page.length)).toEqual([3, 1]);
    expect(listed.flat().map((event) => event.id)).toEqual([...published].reverse().map((event) => event.id));
    expect(listed.flat().at(-1)).toMatchObject({ type: 'order.created', idempotency_key: 'log-key-0' });
    expect(listed.flat()[0]).toMatchObject({ idempotency_key: null, created_at: expect.any(String) });
  });

  it('filters by type and by time window', async () => {
    const typed = (await pages<EventSummary>('/v1/events?type=document.sent')).flat();
    expect(typed.map((event) => event.id)).toEqual([published[3]!.id, published[1]!.id]);
    const window = (
      await pages<EventSummary>(`/v1/events?since=${between.since}&until=${between.until}`)
    ).flat();
    expect(window.map((event) => event.id)).toEqual([published[2]!.id, published[1]!.id]);
  });
});

describe('GET /v1/events/{id}', () => {
  it('shows the data and one delivery per endpoint it was fanned out to', async () => {
    const response = await tenant.get<EventDetail>(`/v1/events/${published[0]!.id}`);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: published[0]!.id,
      type: 'order.created',
      idempotency_key: 'log-key-0',
      test: false,
      data: { n: 0 },
      deliveries_next_cursor: null,
    });
    expect(response.body.deliveries.map((delivery) => delivery.webhook_id).sort()).toEqual(
      [all.id, ordersOnly.id].sort(),
    );
    expect(response.body.deliveries.every((d) => d.status === 'succeeded' && d.attempt_count === 1)).toBe(
      true,
    );
    const documentEvent = await tenant.get<EventDetail>(`/v1/events/${published[1]!.id}?limit=1`);
    expect(documentEvent.body.deliveries.map((delivery) => delivery.webhook_id)).toEqual([all.id]);
  });

  it('pages the deliveries of an event by webhook id', async () => {
    const first = await tenant.get<EventDetail>(`/v1/events/${published[0]!.id}?limit=1`);
    expect(first.body.deliveries).toHaveLength(1);
    expect(first.body.deliveries_next_cursor).toEqual(expect.any(String));
    const cursor = encodeURIComponent(first.body.deliveries_next_cursor!);
    const second = await tenant.get<EventDetail>(`/v1/events/${published[0]!.id}?limit=1&cursor=${cursor}`);
    expect(second.body.deliveries_next_cursor).toBeNull();
    expect([...first.body.deliveries, ...second.body.deliveries].map((d) => d.webhook_id)).toEqual(
      [all.id, ordersOnly.id].sort(),
    );
  });

  it('answers 404 for an id that is not an event of the account', async () => {
    expectError(await tenant.get<ErrorBody>('/v1/events/evt_01hzzzzzzzzzzzzzzzzzzzzzzz'), 404, 'not_found');
    expectError(await tenant.get<ErrorBody>('/v1/events/not-an-id'), 404, 'not_found');
  });
});

describe('GET /v1/deliveries', () => {
  it('lists every endpoint’s deliveries newest first, filtered by endpoint, type, status and time', async () => {
    const everything = (await pages<DeliverySummary>('/v1/deliveries?limit=4')).flat();
    expect(everything).toHaveLength(6);
    const eventOrder = everything.map((delivery) => delivery.event_id);
    expect([...eventOrder].sort().reverse()).toEqual(eventOrder);

    const ofOrders = (await pages<DeliverySummary>(`/v1/deliveries?webhook_id=${ordersOnly.id}`)).flat();
    expect(ofOrders.map((delivery) => delivery.event_id)).toEqual([published[2]!.id, published[0]!.id]);
    const documents = (
      await pages<DeliverySummary>('/v1/deliveries?event_type=document.sent&status=succeeded')
    ).flat();
    expect(documents.map((delivery) => delivery.event_id)).toEqual([published[3]!.id, published[1]!.id]);
    expect((await pages<DeliverySummary>('/v1/deliveries?status=failed')).flat()).toEqual([]);
    const window = (
      await pages<DeliverySummary>(`/v1/deliveries?since=${between.since}&until=${between.until}`)
    ).flat();
    expect(window.map((delivery) => delivery.event_id).sort()).toEqual(
      [published[1]!.id, published[2]!.id, published[2]!.id].sort(),
    );
  });

  it("takes the same filters on an endpoint's own list", async () => {
    const typed = (
      await pages<DeliverySummary>(
        `/v1/webhooks/${all.id}/deliveries?event_type=order.created&since=${between.since}`,
      )
    ).flat();
    expect(typed.map((delivery) => delivery.event_id)).toEqual([published[2]!.id]);
  });

  it('answers 404 for a webhook_id that is not one of the account', async () => {
    expectError(await tenant.get<ErrorBody>('/v1/deliveries?webhook_id=wh_doesnotexist'), 404, 'not_found');
  });
});

describe('test sends', () => {
  it('are marked test in the history and in the event log, and counted apart in the stats', async () => {
    const before = await tenant.get<{ all_time: { total_deliveries: number } }>(
      `/v1/webhooks/${all.id}/stats`,
    );
    const sent = await tenant.post<{ success: boolean; delivery_id: string }>(
      `/v1/webhooks/${all.id}/test`,
      {},
    );
    expect(sent.body.success).toBe(true);

    const history = await tenant.get<Page<DeliverySummary>>(`/v1/webhooks/${all.id}/deliveries?limit=1`);
    expect(history.body.data[0]).toMatchObject({ id: sent.body.delivery_id, test: true });
    const search = await tenant.get<Page<DeliverySummary>>('/v1/deliveries?limit=100');
    expect(search.body.data.find((delivery) => delivery.id === sent.body.delivery_id)?.test).toBe(true);
    expect(search.body.data.filter((delivery) => delivery.test)).toHaveLength(1);
    const testEventId = `evt_${sent.body.delivery_id.split('_')[1]}`;
    const log = (await pages<EventSummary>('/v1/events')).flat();
    expect(log[0]).toMatchObject({ id: testEventId, test: true });
    expect(log.filter((event) => event.test)).toHaveLength(1);
    const testEvent = await tenant.get<EventDetail>(`/v1/events/${testEventId}`);
    expect(testEvent.body).toMatchObject({
      test: true,
      deliveries: [{ webhook_id: all.id, status: 'succeeded' }],
    });

    const stats = await tenant.get<{ all_time: { total_deliveries: number }; test_sends: unknown }>(
      `/v1/webhooks/${all.id}/stats`,
    );
    expect(stats.body.all_time.total_deliveries).toBe(before.body.all_time.total_deliveries);
    expect(stats.body.test_sends).toEqual({ total: 1, successful: 1, failed: 0 });
  });
});

import { afterAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

/**
 * Start-up on a fresh data directory (issue 9): the API listens before the local account, its key
 * and the event catalog exist, and must answer 503 with Retry-After until they do, then serve. The
 * configured key never gets a 401, nor a publish an "Unknown event type" 400. A client hammers the
 * runtime from the moment it listens until it serves.
 */

const KEY = 'ak_startupconfiguredkey01';

interface Answer {
  readonly route: string;
  readonly status: number;
  readonly retryAfter: string | null;
  readonly body: unknown;
}

const ROUTES: readonly { route: string; method: string; body?: unknown }[] = [
  { route: '/v1/event-types', method: 'GET' },
  { route: '/v1/events', method: 'POST', body: { type: 'order.created', data: { order_id: 'ord_boot' } } },
];

async function ask(baseUrl: string, route: (typeof ROUTES)[number]): Promise<Answer> {
  const response = await fetch(`${baseUrl}${route.route}`, {
    method: route.method,
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: route.body === undefined ? undefined : JSON.stringify(route.body),
    signal: AbortSignal.timeout(10_000),
  });
  return {
    route: route.route,
    status: response.status,
    retryAfter: response.headers.get('retry-after'),
    body: await response.json(),
  };
}

/** Asks every route in turn until stopped; `answers` collects what came back. */
function hammer(baseUrl: string) {
  const answers: Answer[] = [];
  let stopped = false;
  const done = (async () => {
    while (!stopped) for (const route of ROUTES) answers.push(await ask(baseUrl, route));
  })();
  return {
    answers,
    until: async (condition: () => boolean, timeoutMs = 20_000) => {
      const deadline = Date.now() + timeoutMs;
      while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 10));
    },
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

let runtime: TestRuntime | undefined;

afterAll(async () => {
  await runtime?.dispose();
});

describe('a runtime starting on a fresh data directory', () => {
  it('answers 503 with Retry-After until the bootstrap is done, then serves the configured key', async () => {
    // Prepare
    let client: ReturnType<typeof hammer> | undefined;
    const unavailableOnEveryRoute = () =>
      ROUTES.every((route) => client?.answers.some((a) => a.route === route.route && a.status === 503));
    const servedOnEveryRoute = () =>
      ROUTES.every((route) => client?.answers.some((a) => a.route === route.route && a.status < 300));

    // Act
    runtime = await startTestRuntime({
      apiKey: KEY,
      // Requests start as soon as the server listens; the bootstrap waits until each route has
      // been refused once, then runs while they go on.
      beforeBootstrap: async (url) => {
        client = hammer(url);
        await client.until(unavailableOnEveryRoute);
      },
    });
    await client?.until(servedOnEveryRoute);
    await client?.stop();

    // Assess
    const answers = client?.answers ?? [];
    const statuses = new Set(answers.map((answer) => `${answer.route} ${answer.status}`));
    expect(statuses).toEqual(
      new Set(['/v1/event-types 503', '/v1/event-types 200', '/v1/events 503', '/v1/events 202']),
    );
    for (const answer of answers.filter((a) => a.status === 503)) {
      expect(answer.retryAfter).toBe('1');
      expect(answer.body).toEqual({
        error: { code: 'unavailable', message: 'The local runtime is starting' },
      });
    }
    const firstServed = answers.findIndex((answer) => answer.status < 300);
    expect(answers.slice(firstServed).every((answer) => answer.status < 300)).toBe(true);
    const catalog = answers.find((answer) => answer.route === '/v1/event-types' && answer.status === 200);
    expect(catalog?.body).toMatchObject({
      data: expect.arrayContaining([expect.objectContaining({ name: 'order.created' })]),
    });
  });
});

import { createServer as createHttpServer, type Server as HttpServer, type RequestListener } from 'node:http';
import {
  type AddressInfo,
  createServer as createTcpServer,
  type Socket,
  type Server as TcpServer,
} from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostResolver } from '../../lambdas/domain/ports/outbound-http.js';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import {
  type ApiResponse,
  eventually,
  listAllWebhooks,
  startTestRuntime,
  type TestRuntime,
} from '../support/local-runtime.js';
import { Receiver } from '../support/receiver.js';

/**
 * SSRF, end to end (issue 6). Every address on the issue's list is refused at the three places a
 * webhook URL matters:
 *
 * - create: `POST /v1/webhooks` answers 400 naming the address, and nothing is written;
 * - update: `PATCH /v1/webhooks/{id}` answers 400, and the webhook is unchanged;
 * - connect: a URL already stored (saved before DNS or the policy changed) is refused by the
 *   delivery sender itself: the attempt is recorded as failed with a `blocked` error, and no TCP
 *   connection reaches the address.
 *
 * These run against a runtime with the production rules (`allowPrivateTargets: false`,
 * `allowHttpTargets: false`) and an injected resolver. The loopback spellings all point at a trap
 * listening on every local address; with the explicit local allowance (`allowPrivateTargets: true`)
 * the very same URLs do reach the trap, which shows that "no connection" is the guard's doing.
 *
 * Then the issue's other items: DNS rebinding (public at validation, private at connect), redirects
 * never followed, response bodies read up to a bound then dropped, and one deadline covering a slow
 * trickle of bytes. Unit-level address classification lives in test/unit/url-safety.test.ts, the
 * sender's own behaviour in test/integration/http-sender.test.ts.
 */

interface RefusedTarget {
  /** The item as the issue spells it. */
  readonly item: string;
  /** The URL, aimed at the trap's port. */
  readonly url: (port: number) => string;
  /** What the refusal names, at validation and at connect alike. */
  readonly reason: string;
  /** Whether a connection to this URL, were it allowed, would land on the local trap. */
  readonly reachesTrap: boolean;
  /** The name the sender looks up before refusing (the others are refused without DNS). */
  readonly lookedUp?: string;
}

const PUBLIC_ADDRESS = '93.184.216.34';
const PRIVATE_HOST = 'private.example';
const PRIVATE_HOST_ADDRESS = '10.0.0.5';

/** The issue's list, one row per item, in its order (DNS rebinding has its own block below). */
const ISSUE_LIST: readonly RefusedTarget[] = [
  {
    item: '127.0.0.1',
    url: (port) => `https://127.0.0.1:${port}/hook`,
    reason: 'loopback address (127.0.0.1)',
    reachesTrap: true,
  },
  {
    item: 'localhost',
    url: (port) => `https://localhost:${port}/hook`,
    reason: 'not a public hostname (localhost)',
    reachesTrap: true,
  },
  {
    item: '0.0.0.0',
    url: (port) => `https://0.0.0.0:${port}/hook`,
    reason: 'unspecified address (0.0.0.0)',
    reachesTrap: true,
  },
  {
    item: '[::1]',
    url: (port) => `https://[::1]:${port}/hook`,
    reason: 'loopback address (::1)',
    reachesTrap: true,
  },
  {
    item: '[::ffff:127.0.0.1]',
    url: (port) => `https://[::ffff:127.0.0.1]:${port}/hook`,
    // The URL parser normalises the host to its hexadecimal form.
    reason: 'loopback address (::ffff:7f00:1)',
    reachesTrap: true,
  },
  {
    item: '10.x',
    url: (port) => `https://10.1.2.3:${port}/hook`,
    reason: 'private address (10.1.2.3)',
    reachesTrap: false,
  },
  {
    item: '172.16.x',
    url: (port) => `https://172.16.0.1:${port}/hook`,
    reason: 'private address (172.16.0.1)',
    reachesTrap: false,
  },
  {
    item: '192.168.x',
    url: (port) => `https://192.168.1.1:${port}/hook`,
    reason: 'private address (192.168.1.1)',
    reachesTrap: false,
  },
  {
    item: '169.254.169.254',
    url: (port) => `https://169.254.169.254:${port}/latest/meta-data/`,
    reason: 'link-local address (169.254.169.254)',
    reachesTrap: false,
  },
  {
    item: 'fd00::/8',
    url: (port) => `https://[fd00::1]:${port}/hook`,
    reason: 'unique-local address (fd00::1)',
    reachesTrap: false,
  },
  {
    item: '100.64.x',
    url: (port) => `https://100.64.0.1:${port}/hook`,
    reason: 'shared (carrier-grade NAT) address (100.64.0.1)',
    reachesTrap: false,
  },
  {
    item: '2130706433',
    url: (port) => `https://2130706433:${port}/hook`,
    reason: 'loopback address (127.0.0.1)',
    reachesTrap: true,
  },
  {
    item: '0x7f000001',
    url: (port) => `https://0x7f000001:${port}/hook`,
    reason: 'loopback address (127.0.0.1)',
    reachesTrap: true,
  },
  {
    item: '0177.0.0.1',
    url: (port) => `https://0177.0.0.1:${port}/hook`,
    reason: 'loopback address (127.0.0.1)',
    reachesTrap: true,
  },
  {
    item: 'a host whose DNS answers a private address',
    url: (port) => `https://${PRIVATE_HOST}:${port}/hook`,
    reason: `private address (${PRIVATE_HOST_ADDRESS})`,
    reachesTrap: false,
    lookedUp: PRIVATE_HOST,
  },
];

/** Spellings beyond the issue's list that deserve the same three checks. */
const FURTHER_SPELLINGS: readonly RefusedTarget[] = [
  {
    item: 'further: 127.9.9.9 (all of 127/8)',
    url: (port) => `https://127.9.9.9:${port}/hook`,
    reason: 'loopback address (127.9.9.9)',
    reachesTrap: true,
  },
  {
    item: 'further: 127.1 (short form)',
    url: (port) => `https://127.1:${port}/hook`,
    reason: 'loopback address (127.0.0.1)',
    reachesTrap: true,
  },
  {
    item: 'further: [::ffff:169.254.169.254]',
    url: (port) => `https://[::ffff:169.254.169.254]:${port}/latest/meta-data/`,
    reason: 'link-local address (::ffff:a9fe:a9fe)',
    reachesTrap: false,
  },
  {
    item: 'further: [fe80::1]',
    url: (port) => `https://[fe80::1]:${port}/hook`,
    reason: 'link-local address (fe80::1)',
    reachesTrap: false,
  },
  {
    item: 'further: metadata.google.internal',
    url: (port) => `https://metadata.google.internal:${port}/computeMetadata/v1/`,
    reason: 'not a public hostname (metadata.google.internal)',
    reachesTrap: false,
  },
];

const REFUSED_TARGETS = [...ISSUE_LIST, ...FURTHER_SPELLINGS];

interface ErrorBody {
  readonly error: {
    readonly code: string;
    readonly message: string;
    readonly details?: { path: string; message: string }[];
  };
}
type CreatedWebhook = WebhookResource & { readonly secret: string };
interface TestSendResult {
  readonly success: boolean;
  readonly delivery_id: string;
  readonly status_code: number | null;
  readonly response_body: string | null;
  readonly error?: string;
}
interface Attempt {
  readonly attempt: number;
  readonly status_code: number | null;
  readonly response_time_ms: number;
  readonly response_body: string | null;
  readonly error: string | null;
}
interface DeliveryDetail {
  readonly id: string;
  readonly status: string;
  readonly failure_reason: string | null;
  readonly attempts: Attempt[];
  readonly payload: { readonly id: string } | null;
}

/**
 * A TCP listener on `::` (dual stack), so 127.0.0.1, the rest of 127/8, ::1, ::ffff:127.0.0.1 and
 * 0.0.0.0 all reach it. It records and closes every connection, TLS or not.
 */
class Trap {
  readonly peers: string[] = [];

  private constructor(
    private readonly server: TcpServer,
    readonly port: number,
  ) {}

  static async start(): Promise<Trap> {
    const server = createTcpServer();
    await new Promise<void>((resolve) => server.listen({ port: 0, host: '::', ipv6Only: false }, resolve));
    const trap = new Trap(server, (server.address() as AddressInfo).port);
    server.on('connection', (socket) => {
      trap.peers.push(socket.remoteAddress ?? 'unknown');
      socket.destroy();
    });
    return trap;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

/** DNS the test controls: a table of answers, changeable mid-test, and a log of every lookup. */
class FakeDns {
  readonly lookups: { hostname: string; answer: readonly string[] }[] = [];
  private readonly answers: Map<string, readonly string[]>;

  constructor(answers: Record<string, readonly string[]>) {
    this.answers = new Map(Object.entries(answers));
  }

  answer(hostname: string, addresses: readonly string[]): void {
    this.answers.set(hostname, addresses);
  }

  readonly resolve: HostResolver = async (hostname) => {
    const answer = this.answers.get(hostname);
    if (answer === undefined) {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    }
    this.lookups.push({ hostname, answer });
    return [...answer];
  };
}

const aDnsTable = (): FakeDns =>
  new FakeDns({
    'public.example': [PUBLIC_ADDRESS],
    [PRIVATE_HOST]: [PRIVATE_HOST_ADDRESS],
    localhost: ['127.0.0.1'],
  });

function expectUrlRefused(response: ApiResponse<ErrorBody>, reason: string): void {
  expect(response.status).toBe(400);
  expect(response.body.error.code).toBe('validation_error');
  expect(response.body.error.details).toEqual([
    { path: 'body.url', message: expect.stringContaining(reason) },
  ]);
}

async function registerEventType(runtime: TestRuntime, name: string): Promise<void> {
  const response = await runtime.admin.put(`/v1/admin/event-types/${name}`, {
    description: 'SSRF test events',
    example: { probe: true },
  });
  expect(response.status).toBe(200);
}

async function createWebhook(runtime: TestRuntime, body: Record<string, unknown>): Promise<WebhookResource> {
  const created = await runtime.tenant.post<CreatedWebhook>('/v1/webhooks', {
    name: 'SSRF probe',
    events: ['ssrf.probe'],
    timeout_seconds: 2,
    ...body,
  });
  expect(created.status, JSON.stringify(created.body)).toBe(201);
  const { secret: _secret, ...resource } = created.body;
  return resource;
}

/** Waits until the webhook's only delivery is final, and returns its detail. */
async function finalDeliveryOf(runtime: TestRuntime, webhookId: string): Promise<DeliveryDetail> {
  const summary = await eventually(async () => {
    const listed = await runtime.tenant.get<{ data: { id: string; status: string }[] }>(
      `/v1/webhooks/${webhookId}/deliveries`,
    );
    const [delivery] = listed.body.data;
    return delivery && delivery.status !== 'pending' ? delivery : undefined;
  });
  const detail = await runtime.tenant.get<DeliveryDetail>(`/v1/deliveries/${summary.id}`);
  expect(detail.status).toBe(200);
  return detail.body;
}

async function publish(runtime: TestRuntime, type: string): Promise<string> {
  const published = await runtime.tenant.post<{ id: string }>('/v1/events', { type, data: { probe: type } });
  expect(published.status).toBe(202);
  return published.body.id;
}

describe('production rules (allowPrivateTargets: false, allowHttpTargets: false)', () => {
  let runtime: TestRuntime;
  let trap: Trap;
  let dns: FakeDns;

  beforeAll(async () => {
    dns = aDnsTable();
    [runtime, trap] = await Promise.all([
      startTestRuntime({ allowPrivateTargets: false, allowHttpTargets: false, resolve: dns.resolve }),
      Trap.start(),
    ]);
    await Promise.all([registerEventType(runtime, 'ssrf.probe'), registerEventType(runtime, 'ssrf.rebind')]);
  });

  afterAll(async () => {
    await Promise.all([runtime?.dispose(), trap?.stop()]);
  });

  describe('create: POST /v1/webhooks', () => {
    it.each(REFUSED_TARGETS)('refuses $item with 400 and writes nothing', async (target) => {
      // Prepare
      const before = await listAllWebhooks(runtime.tenant);

      // Act
      const response = await runtime.tenant.post<ErrorBody>('/v1/webhooks', {
        name: 'SSRF probe',
        url: target.url(trap.port),
        events: ['ssrf.probe'],
      });

      // Assess
      expectUrlRefused(response, target.reason);
      expect(await listAllWebhooks(runtime.tenant)).toEqual(before);
      expect(trap.peers).toEqual([]);
    });

    it('accepts a host that resolves to a public address (the control)', async () => {
      // Act
      const response = await runtime.tenant.post<CreatedWebhook>('/v1/webhooks', {
        name: 'SSRF control',
        url: 'https://public.example/hook',
        events: ['ssrf.probe'],
      });

      // Assess
      expect(response.status).toBe(201);
      expect(response.body.url).toBe('https://public.example/hook');
    });
  });

  describe('update: PATCH /v1/webhooks/{id}', () => {
    let webhook: WebhookResource;

    beforeAll(async () => {
      webhook = await createWebhook(runtime, { url: 'https://public.example/hook' });
    });

    it.each(REFUSED_TARGETS)('refuses $item with 400 and leaves the webhook unchanged', async (target) => {
      // Prepare
      const before = await runtime.tenant.get<WebhookResource>(`/v1/webhooks/${webhook.id}`);
      expect(before.body.url).toBe('https://public.example/hook');

      // Act
      const response = await runtime.tenant.patch<ErrorBody>(`/v1/webhooks/${webhook.id}`, {
        url: target.url(trap.port),
      });

      // Assess
      expectUrlRefused(response, target.reason);
      const after = await runtime.tenant.get<WebhookResource>(`/v1/webhooks/${webhook.id}`);
      expect(after.body).toEqual(before.body);
      expect(trap.peers).toEqual([]);
    });
  });

  describe('connect: the delivery sender refuses a URL already stored', () => {
    it.each(REFUSED_TARGETS)('refuses $item: failed attempt recorded, no connection made', async (target) => {
      // Prepare: a webhook saved while its URL was acceptable, then pointed at the target in storage
      // (as if saved before DNS or the policy changed), bypassing the API's validation.
      const created = await createWebhook(runtime, { url: 'https://public.example/hook' });
      const stored = await runtime.dependencies.webhooks.get(runtime.accountId, created.id);
      if (!stored) throw new Error('the webhook just created is not stored');
      await runtime.dependencies.webhooks.update(
        { ...stored, url: target.url(trap.port), version: stored.version + 1 },
        stored.version,
      );
      const lookupsBefore = dns.lookups.length;

      // Act
      const sent = await runtime.tenant.post<TestSendResult>(`/v1/webhooks/${created.id}/test`, {});

      // Assess
      expect(sent.status).toBe(200);
      expect(sent.body).toMatchObject({ success: false, status_code: null, response_body: null });
      expect(sent.body.error).toMatch(/^blocked/);
      expect(sent.body.error).toContain(target.reason);
      const recorded = await runtime.tenant.get<DeliveryDetail>(`/v1/deliveries/${sent.body.delivery_id}`);
      expect(recorded.body.status).toBe('failed');
      expect(recorded.body.attempts).toEqual([
        expect.objectContaining({ attempt: 1, status_code: null, error: sent.body.error }),
      ]);
      expect(trap.peers).toEqual([]);
      // A public-looking name is looked up and its answer refused; the rest never reach DNS.
      const lookedUp = dns.lookups.slice(lookupsBefore).map((lookup) => lookup.hostname);
      expect(lookedUp).toEqual(target.lookedUp === undefined ? [] : [target.lookedUp]);
    });
  });

  describe('DNS rebinding: public at validation, private at connect', () => {
    const rebindingHost = 'rebind.example';
    let url: string;

    beforeAll(() => {
      url = `https://${rebindingHost}:${trap.port}/hook`;
    });

    it('accepts the URL while DNS answers public, then refuses to connect once it answers private', async () => {
      // Prepare: the name answers a public address while the endpoint is saved.
      dns.answer(rebindingHost, [PUBLIC_ADDRESS]);
      const webhook = await createWebhook(runtime, { url });
      dns.answer(rebindingHost, ['127.0.0.1']);
      const lookupsBefore = dns.lookups.length;

      // Act
      const sent = await runtime.tenant.post<TestSendResult>(`/v1/webhooks/${webhook.id}/test`, {});

      // Assess
      expect(webhook.url).toBe(url);
      expect(dns.lookups).toContainEqual({ hostname: rebindingHost, answer: [PUBLIC_ADDRESS] });
      expect(dns.lookups.slice(lookupsBefore)).toEqual([{ hostname: rebindingHost, answer: ['127.0.0.1'] }]);
      expect(sent.body).toMatchObject({ success: false, status_code: null });
      expect(sent.body.error).toBe(
        `blocked address: ${rebindingHost}: URL resolves to a loopback address (127.0.0.1)`,
      );
      expect(trap.peers).toEqual([]);
    });

    it('records a published event to a rebound host as a failed delivery, with no connection', async () => {
      // Prepare: saved (and updated) while public; one attempt, so the delivery ends after it.
      dns.answer(rebindingHost, [PUBLIC_ADDRESS]);
      const webhook = await createWebhook(runtime, {
        url: 'https://public.example/hook',
        events: ['ssrf.rebind'],
        retry_policy: { max_retries: 0, intervals_seconds: [1] },
      });
      const updated = await runtime.tenant.patch<WebhookResource>(`/v1/webhooks/${webhook.id}`, { url });
      expect(updated.status).toBe(200);
      dns.answer(rebindingHost, [PRIVATE_HOST_ADDRESS, '127.0.0.1']);

      // Act
      const eventId = await publish(runtime, 'ssrf.rebind');

      // Assess
      const delivery = await finalDeliveryOf(runtime, webhook.id);
      expect(delivery).toMatchObject({ status: 'failed', failure_reason: 'exhausted' });
      expect(delivery.payload?.id).toBe(eventId);
      expect(delivery.attempts).toEqual([
        expect.objectContaining({
          attempt: 1,
          status_code: null,
          error: `blocked address: ${rebindingHost}: URL resolves to a private address (${PRIVATE_HOST_ADDRESS})`,
        }),
      ]);
      expect(trap.peers).toEqual([]);
    });
  });
});

describe('explicit local allowance (allowPrivateTargets: true)', () => {
  let runtime: TestRuntime;
  let trap: Trap;
  const servers: HttpServer[] = [];
  const receivers: Receiver[] = [];

  beforeAll(async () => {
    [runtime, trap] = await Promise.all([
      startTestRuntime({ allowPrivateTargets: true, resolve: aDnsTable().resolve }),
      Trap.start(),
    ]);
    await Promise.all(
      ['ssrf.probe', 'ssrf.redirect', 'ssrf.body', 'ssrf.trickle-headers', 'ssrf.trickle-body'].map((name) =>
        registerEventType(runtime, name),
      ),
    );
  });

  /** A plain HTTP receiver on 127.0.0.1 answering with `handle`; returns its URL. */
  async function anHttpReceiver(handle: RequestListener): Promise<string> {
    const server = createHttpServer(handle);
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  }

  afterAll(async () => {
    for (const server of servers) server.closeAllConnections();
    await Promise.all([
      runtime?.dispose(),
      trap?.stop(),
      ...receivers.map((receiver) => receiver.stop()),
      ...servers.map((server) => new Promise((resolve) => server.close(resolve))),
    ]);
  });

  describe('the same loopback URLs reach the trap only because of the allowance', () => {
    it.each(REFUSED_TARGETS.filter((target) => target.reachesTrap))(
      '$item is saved and connected to',
      async (target) => {
        // Prepare
        const webhook = await createWebhook(runtime, { url: target.url(trap.port) });
        const peersBefore = trap.peers.length;

        // Act
        const sent = await runtime.tenant.post<TestSendResult>(`/v1/webhooks/${webhook.id}/test`, {});

        // Assess: the trap closes every connection, so the send fails, but only after connecting.
        expect(sent.body.success).toBe(false);
        expect(sent.body.error).not.toMatch(/blocked/);
        expect(trap.peers.length).toBe(peersBefore + 1);
      },
    );
  });

  it('never follows a redirect: a 302 to a private address is one failed attempt', async () => {
    // Prepare: the trap, reachable here, is where the redirect points.
    const redirecting = await Receiver.start([
      { status: 302, headers: { location: `http://127.0.0.1:${trap.port}/latest/meta-data/` } },
    ]);
    receivers.push(redirecting);
    const webhook = await createWebhook(runtime, {
      url: `${redirecting.url}/hook`,
      events: ['ssrf.redirect'],
      retry_policy: { max_retries: 3, intervals_seconds: [1] },
    });
    const peersBefore = trap.peers.length;

    // Act
    await publish(runtime, 'ssrf.redirect');

    // Assess: failed at once (3xx is final, retries notwithstanding), and the Location was not visited.
    const delivery = await finalDeliveryOf(runtime, webhook.id);
    expect(delivery).toMatchObject({ status: 'failed', failure_reason: 'rejected' });
    expect(delivery.attempts).toEqual([
      expect.objectContaining({ attempt: 1, status_code: 302, error: null }),
    ]);
    expect(redirecting.requests).toHaveLength(1);
    expect(trap.peers.length).toBe(peersBefore);
  });

  it('reads at most 4096 bytes of a response body, then drops the connection', async () => {
    // Prepare: a receiver streaming up to 64 MB as fast as it is read.
    const chunk = Buffer.alloc(64 * 1024, 'b');
    const bodyBytes = 1024 * chunk.length;
    const seen = { requests: 0, bytesWritten: 0, finishedWriting: undefined as boolean | undefined };
    let markClosed: () => void = () => undefined;
    const responseClosed = new Promise<void>((resolve) => {
      markClosed = resolve;
    });
    const url = await anHttpReceiver((request, response) => {
      seen.requests += 1;
      request.resume();
      response.writeHead(400, { 'content-type': 'text/plain' });
      response.on('close', () => {
        seen.finishedWriting = response.writableFinished;
        markClosed();
      });
      const pump = (): void => {
        while (seen.bytesWritten < bodyBytes && !response.destroyed) {
          seen.bytesWritten += chunk.length;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
        if (!response.destroyed) response.end();
      };
      pump();
    });
    const webhook = await createWebhook(runtime, { url, events: ['ssrf.body'], timeout_seconds: 20 });

    // Act
    await publish(runtime, 'ssrf.body');
    const delivery = await finalDeliveryOf(runtime, webhook.id);
    await responseClosed;

    // Assess
    expect(delivery).toMatchObject({ status: 'failed', failure_reason: 'rejected' });
    expect(delivery.attempts).toEqual([
      expect.objectContaining({ status_code: 400, error: null, response_body: 'b'.repeat(4096) }),
    ]);
    expect(seen.requests).toBe(1);
    expect(seen.finishedWriting).toBe(false);
    expect(seen.bytesWritten).toBeLessThan(bodyBytes);
  });

  /**
   * A raw TCP receiver that reads the request, then sends `prefix` and one more byte of `trickle`
   * every 100 ms: 1000 bytes would take 100 s.
   */
  async function trickler(prefix: string, trickle: string) {
    const state = { connectedAt: 0, closedAt: 0, bytesSent: 0 };
    const timers: NodeJS.Timeout[] = [];
    const server = createTcpServer((socket: Socket) => {
      state.connectedAt = performance.now();
      socket.once('data', () => {
        socket.write(prefix);
        let index = 0;
        const timer = setInterval(() => {
          if (socket.destroyed || index >= trickle.length) {
            clearInterval(timer);
            return;
          }
          socket.write(trickle[index] ?? '');
          index += 1;
          state.bytesSent = index;
        }, 100);
        timers.push(timer);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        state.closedAt = performance.now();
        for (const timer of timers) clearInterval(timer);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    return {
      url: `http://127.0.0.1:${port}/hook`,
      state,
      stop: () => {
        for (const timer of timers) clearInterval(timer);
        return new Promise<void>((resolve) => server.close(() => resolve()));
      },
    };
  }

  it.each([
    {
      part: 'the status line and headers',
      type: 'ssrf.trickle-headers',
      prefix: '',
      trickle: `HTTP/1.1 200 OK\r\nx-slow: ${'a'.repeat(1000)}\r\n\r\n`,
      partial: false,
    },
    {
      part: 'the body',
      type: 'ssrf.trickle-body',
      prefix: 'HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n',
      trickle: 'x'.repeat(1000),
      partial: true,
    },
  ])('ends the attempt at the webhook timeout when a receiver trickles $part', async (scenario) => {
    // Prepare: a one-second timeout and no retries.
    const receiver = await trickler(scenario.prefix, scenario.trickle);
    const webhook = await createWebhook(runtime, {
      url: receiver.url,
      events: [scenario.type],
      timeout_seconds: 1,
      retry_policy: { max_retries: 0, intervals_seconds: [1] },
    });

    // Act
    await publish(runtime, scenario.type);
    const delivery = await finalDeliveryOf(runtime, webhook.id);
    await receiver.stop();

    // Assess
    expect(delivery).toMatchObject({ status: 'failed', failure_reason: 'exhausted' });
    const [attempt] = delivery.attempts;
    expect(delivery.attempts).toHaveLength(1);
    expect(attempt?.status_code).toBeNull();
    expect(attempt?.error).toMatch(/^timeout: no complete response within 1000 ms/);
    expect(attempt?.error?.includes('status 200 received')).toBe(scenario.partial);
    expect(attempt?.response_time_ms).toBeGreaterThanOrEqual(950);
    expect(attempt?.response_time_ms).toBeLessThan(3000);
    // The sender hung up at its deadline, long before the trickle would have ended.
    expect(receiver.state.closedAt - receiver.state.connectedAt).toBeLessThan(3000);
    expect(receiver.state.bytesSent).toBeLessThan(scenario.trickle.length / 2);
  });
});

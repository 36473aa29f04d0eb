import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpWebhookSender, MAX_RESPONSE_SNIPPET_BYTES } from '../../lambdas/adapters/http-sender.js';
import type { HostResolver, OutboundRequest } from '../../lambdas/domain/ports/outbound-http.js';
import type { TargetPolicy } from '../../lambdas/domain/url-safety.js';

const LOCAL: TargetPolicy = { allowHttp: true, allowPrivate: true };
const PUBLIC_ONLY: TargetPolicy = { allowHttp: true, allowPrivate: false };

interface ReceivedRequest {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: http.IncomingHttpHeaders;
  readonly body: string;
}

interface TestServer {
  readonly port: number;
  readonly url: string;
  readonly received: ReceivedRequest[];
  /** Connections accepted, whether or not a request was read on them. */
  connections: number;
}

const openServers: http.Server[] = [];

/** A real server on 127.0.0.1 that records every request before handing it to `respond`. */
const startServer = async (
  respond: (request: http.IncomingMessage, response: http.ServerResponse) => void,
): Promise<TestServer> => {
  const received: ReceivedRequest[] = [];
  const server = http.createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      respond(request, response);
    });
  });
  openServers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const testServer: TestServer = { port, url: `http://127.0.0.1:${port}`, received, connections: 0 };
  server.on('connection', () => {
    testServer.connections += 1;
  });
  return testServer;
};

afterEach(async () => {
  for (const server of openServers.splice(0)) {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
});

const post = (url: string, overrides: Partial<OutboundRequest> = {}): OutboundRequest => ({
  url,
  headers: { 'content-type': 'application/json', 'webhook-id': 'msg_1' },
  body: '{"id":"evt_1","type":"t","timestamp":"2024-05-01T10:00:00.000Z","data":{}}',
  timeoutMs: 2000,
  ...overrides,
});

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('HttpWebhookSender', () => {
  it('posts the body and headers and returns status, Retry-After and body', async () => {
    // Prepare
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain', 'retry-after': '30' });
      response.end('thanks');
    });
    const sender = new HttpWebhookSender({ policy: LOCAL });
    const request = post(`${server.url}/hooks?x=1`);
    // Act
    const result = await sender.send(request);
    // Assess
    expect(result).toMatchObject({ statusCode: 200, retryAfter: '30', bodySnippet: 'thanks' });
    expect(result.error).toBeUndefined();
    expect(result.responseTimeMs).toBeGreaterThanOrEqual(0);
    expect(server.received).toHaveLength(1);
    expect(server.received[0]).toMatchObject({ method: 'POST', url: '/hooks?x=1', body: request.body });
    expect(server.received[0]?.headers['webhook-id']).toBe('msg_1');
    expect(server.received[0]?.headers['content-length']).toBe(String(Buffer.byteLength(request.body)));
  });

  it('returns a 302 as is and never follows the Location', async () => {
    // Prepare
    const redirectTarget = await startServer((_request, response) => response.end('should not be reached'));
    const redirecting = await startServer((_request, response) => {
      response.writeHead(302, { location: `${redirectTarget.url}/internal` });
      response.end();
    });
    const sender = new HttpWebhookSender({ policy: LOCAL });
    // Act
    const result = await sender.send(post(`${redirecting.url}/hook`));
    // Assess
    expect(result.statusCode).toBe(302);
    expect(redirecting.received).toHaveLength(1);
    expect(redirectTarget.received).toHaveLength(0);
    expect(redirectTarget.connections).toBe(0);
  });

  it('gives up on a server that never answers once the timeout passes', async () => {
    // Prepare
    const server = await startServer(() => {
      // Never respond.
    });
    const sender = new HttpWebhookSender({ policy: LOCAL });
    const timeoutMs = 300;
    const startedAt = performance.now();
    // Act
    const result = await sender.send(post(server.url, { timeoutMs }));
    const elapsedMs = performance.now() - startedAt;
    // Assess
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toMatch(/timeout/);
    expect(elapsedMs).toBeGreaterThanOrEqual(timeoutMs - 20);
    expect(elapsedMs).toBeLessThan(timeoutMs + 1000);
    expect(result.responseTimeMs).toBeGreaterThanOrEqual(timeoutMs - 20);
  });

  it('times out a server that trickles its body past the deadline', async () => {
    // Prepare
    const timers: NodeJS.Timeout[] = [];
    const server = await startServer((_request, response) => {
      response.writeHead(200, { 'content-length': '100' });
      const trickle = setInterval(() => {
        if (response.destroyed) clearInterval(trickle);
        else response.write('x');
      }, 50);
      timers.push(trickle);
    });
    const sender = new HttpWebhookSender({ policy: LOCAL });
    const timeoutMs = 400;
    const startedAt = performance.now();
    // Act
    const result = await sender.send(post(server.url, { timeoutMs }));
    const elapsedMs = performance.now() - startedAt;
    for (const timer of timers) clearInterval(timer);
    // Assess
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toMatch(/timeout/);
    expect(result.error).toContain('status 200 received');
    expect(elapsedMs).toBeLessThan(timeoutMs + 1000);
  });

  it('reads at most 4096 bytes of a 1 MB body and can send again afterwards', async () => {
    // Prepare
    const megabyte = 'a'.repeat(1024 * 1024);
    const server = await startServer((_request, response) => {
      response.writeHead(500, { 'content-type': 'text/plain' });
      response.end(megabyte);
    });
    const sender = new HttpWebhookSender({ policy: LOCAL });
    // Act
    const first = await sender.send(post(server.url));
    const second = await sender.send(post(server.url));
    // Assess
    expect(first.statusCode).toBe(500);
    expect(first.bodySnippet).toBe('a'.repeat(MAX_RESPONSE_SNIPPET_BYTES));
    expect(Buffer.byteLength(first.bodySnippet ?? '')).toBe(4096);
    expect(second.statusCode).toBe(500);
    expect(second.error).toBeUndefined();
    expect(server.received).toHaveLength(2);
    // The cut-off connection was destroyed, not drained and pooled: the second send needed a new one.
    expect(server.connections).toBe(2);
  });

  it('stops reading a large body instead of draining it', async () => {
    // Prepare: a server that streams up to 64 MB as fast as the client reads.
    const chunk = Buffer.alloc(64 * 1024, 'b');
    const totalChunks = 1024;
    let finishedWriting: boolean | undefined;
    let markClosed: () => void = () => {};
    const responseClosed = new Promise<void>((resolve) => {
      markClosed = resolve;
    });
    const server = await startServer((_request, response) => {
      let written = 0;
      const pump = (): void => {
        while (written < totalChunks && !response.destroyed) {
          written += 1;
          if (!response.write(chunk)) {
            response.once('drain', pump);
            return;
          }
        }
        if (written >= totalChunks) response.end();
      };
      response.on('close', () => {
        finishedWriting = response.writableFinished;
        markClosed();
      });
      pump();
    });
    const sender = new HttpWebhookSender({ policy: LOCAL });
    // Act
    const result = await sender.send(post(server.url, { timeoutMs: 10_000 }));
    await responseClosed;
    // Assess
    expect(result.bodySnippet).toHaveLength(MAX_RESPONSE_SNIPPET_BYTES);
    expect(finishedWriting).toBe(false);
  });

  it('never cuts the snippet in the middle of a UTF-8 character', async () => {
    // Prepare: 4095 ASCII bytes then a 3-byte character straddling the 4096-byte limit.
    const server = await startServer((_request, response) => {
      response.end(`${'a'.repeat(4095)}\u20ac tail`);
    });
    const sender = new HttpWebhookSender({ policy: LOCAL });
    // Act
    const result = await sender.send(post(server.url));
    // Assess
    expect(result.bodySnippet).toBe('a'.repeat(4095));
    expect(result.bodySnippet).not.toContain('\ufffd');
  });

  it('reuses a kept-alive connection for consecutive deliveries', async () => {
    // Prepare
    const server = await startServer((_request, response) => response.end('ok'));
    const sender = new HttpWebhookSender({ policy: LOCAL });
    // Act
    const first = await sender.send(post(server.url));
    const second = await sender.send(post(server.url));
    // Assess
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    expect(server.connections).toBe(1);
  });

  it('retries once on a fresh connection when the pooled one was closed by the server', async () => {
    // Prepare: the server answers with keep-alive, then silently drops idle connections.
    const sockets: import('node:net').Socket[] = [];
    const server = await startServer((request, response) => {
      sockets.push(request.socket);
      response.end('ok');
    });
    const sender = new HttpWebhookSender({ policy: LOCAL });
    await sender.send(post(server.url));
    // Act: send before the client has noticed the reset, as after a Lambda thaw.
    for (const socket of sockets) socket.resetAndDestroy();
    const result = await sender.send(post(server.url));
    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.error).toBeUndefined();
    expect(server.connections).toBe(2);
  });

  it('reports a refused connection as an error', async () => {
    // Prepare: a port that was just released.
    const server = await startServer((_request, response) => response.end());
    const closedUrl = server.url;
    const closing = openServers.pop();
    await new Promise<void>((resolve) => closing?.close(() => resolve()));
    const sender = new HttpWebhookSender({ policy: LOCAL });
    // Act
    const result = await sender.send(post(closedUrl));
    // Assess
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toMatch(/connection refused/);
    expect(result.error).toContain('ECONNREFUSED');
  });

  it('blocks a literal 127.0.0.1 target without any request reaching the server', async () => {
    // Prepare
    const server = await startServer((_request, response) => response.end('reached'));
    const sender = new HttpWebhookSender({ policy: PUBLIC_ONLY });
    // Act
    const result = await sender.send(post(`${server.url}/hook`));
    await sleep(50);
    // Assess
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toBe('blocked: URL resolves to a loopback address (127.0.0.1)');
    expect(server.received).toHaveLength(0);
    expect(server.connections).toBe(0);
  });

  it('blocks at connect time a hostname that resolves to loopback (DNS rebinding)', async () => {
    // Prepare
    const server = await startServer((_request, response) => response.end('reached'));
    const lookedUp: string[] = [];
    const rebindingResolver: HostResolver = async (hostname) => {
      lookedUp.push(hostname);
      return hostname === 'rebind.example' ? ['127.0.0.1'] : [];
    };
    const sender = new HttpWebhookSender({ policy: PUBLIC_ONLY, resolve: rebindingResolver });
    // Act
    const result = await sender.send(post(`http://rebind.example:${server.port}/hook`));
    await sleep(50);
    // Assess
    expect(lookedUp).toContain('rebind.example');
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toMatch(/blocked address/);
    expect(result.error).toContain('loopback address (127.0.0.1)');
    expect(server.connections).toBe(0);
  });

  it('connects to the address the injected resolver answers when private targets are allowed', async () => {
    // Prepare: the same resolver as above, so the blocking above is the policy's doing.
    const server = await startServer((_request, response) => response.end('reached'));
    const resolver: HostResolver = async (hostname) => (hostname === 'rebind.example' ? ['127.0.0.1'] : []);
    const sender = new HttpWebhookSender({ policy: LOCAL, resolve: resolver });
    // Act
    const result = await sender.send(post(`http://rebind.example:${server.port}/hook`));
    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.bodySnippet).toBe('reached');
    expect(server.received[0]?.headers.host).toBe(`rebind.example:${server.port}`);
  });

  it('reports a host the resolver cannot find as an error', async () => {
    // Prepare
    const resolver: HostResolver = async (hostname) => {
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    };
    const sender = new HttpWebhookSender({ policy: PUBLIC_ONLY, resolve: resolver });
    // Act
    const result = await sender.send(post('http://missing.example/hook'));
    // Assess
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toMatch(/host not found/);
  });

  it('refuses plain http when the policy requires https, without throwing', async () => {
    // Prepare
    const server = await startServer((_request, response) => response.end('reached'));
    const sender = new HttpWebhookSender({ policy: { allowHttp: false, allowPrivate: true } });
    // Act
    const result = await sender.send(post(server.url));
    // Assess
    expect(result.error).toContain('URL must use https');
    expect(server.connections).toBe(0);
  });

  it('turns an invalid header value into an error instead of throwing', async () => {
    // Prepare
    const server = await startServer((_request, response) => response.end('reached'));
    const sender = new HttpWebhookSender({ policy: LOCAL });
    // Act
    const result = await sender.send(post(server.url, { headers: { 'x-bad': 'a\r\nb' } }));
    // Assess
    expect(result.statusCode).toBeUndefined();
    expect(result.error).toMatch(/request failed/);
    expect(server.received).toHaveLength(0);
  });
});

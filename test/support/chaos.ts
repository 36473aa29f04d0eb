import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiClient } from './local-runtime.js';

/**
 * Fault injection against the whole local runtime, run as its own process (`npm start`'s entry)
 * so it can be killed with SIGKILL and started again on the same data directory.
 *
 * Receivers on 127.0.0.1 fail a share of requests at random (500, 503 with Retry-After, connection
 * reset, a hang past the timeout) and answer the rest with a 2xx, some slowly. Every delivery must
 * end delivered: lost = 0. Duplicates (a webhook-id received twice by one endpoint) are counted,
 * not forbidden: delivery is at least once.
 */

export interface ChaosOptions {
  readonly events: number;
  readonly endpoints: number;
  readonly failureRate: number;
  /** SIGKILL the runtime this many times while deliveries are under way. */
  readonly kills: number;
  readonly timeoutMs: number;
  readonly log?: (line: string) => void;
}

export interface ChaosReport {
  readonly deliveries: number;
  readonly delivered: number;
  readonly lost: number;
  readonly duplicates: number;
  readonly requests: number;
  readonly injectedFailures: number;
  readonly kills: number;
  readonly drainSeconds: number;
  readonly finalStatuses: Record<string, number>;
}

const API_KEY = 'ak_chaosmonkeykey0000000001';
const ADMIN_TOKEN = 'chaos-admin';

class ChaosReceiver {
  /** webhook-id → times a 2xx was answered for it. */
  readonly acknowledged = new Map<string, number>();
  requests = 0;
  injectedFailures = 0;
  private readonly hanging = new Set<ServerResponse>();

  constructor(
    private readonly server: Server,
    readonly url: string,
    private readonly failureRate: number,
  ) {
    server.on('request', (request, response) => this.answer(request, response));
  }

  static async start(failureRate: number): Promise<ChaosReceiver> {
    const server = createServer({ keepAliveTimeout: 1000 });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return new ChaosReceiver(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      failureRate,
    );
  }

  private answer(request: IncomingMessage, response: ServerResponse): void {
    request.resume();
    request.on('end', () => {
      this.requests += 1;
      const id = String(request.headers['webhook-id']);
      if (Math.random() < this.failureRate) {
        this.injectedFailures += 1;
        const fault = Math.floor(Math.random() * 4);
        if (fault === 0) return void response.writeHead(500).end('boom');
        if (fault === 1) return void response.writeHead(503, { 'retry-after': '1' }).end();
        if (fault === 2) return void response.socket?.destroy();
        this.hanging.add(response);
        return;
      }
      const ok = () => {
        this.acknowledged.set(id, (this.acknowledged.get(id) ?? 0) + 1);
        response.writeHead(200).end('{"received":true}');
      };
      // A slow 2xx, well inside the endpoint's timeout.
      if (Math.random() < 0.05) setTimeout(ok, 300);
      else ok();
    });
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** The runtime process ended before its ready line; `stderr` says why. */
class RuntimeExitedEarly extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** A runtime child process and the URL it serves on. */
interface RuntimeProcess {
  readonly child: ChildProcess;
  readonly url: string;
}

/**
 * Starts `npm start`'s entry as a child process on `port` (0: one the OS picks) and waits for its
 * ready line, which names the URL. Throws with the child's output when it exits before that.
 */
async function spawnRuntime(
  dataDir: string,
  port: number,
  log: (line: string) => void,
): Promise<RuntimeProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bin/local.ts'], {
    env: {
      ...process.env,
      PORT: String(port),
      WEBHOOKS_DATA_DIR: dataDir,
      WEBHOOKS_LOCAL_API_KEY: API_KEY,
      WEBHOOKS_LOCAL_ADMIN_TOKEN: ADMIN_TOKEN,
      WEBHOOKS_RECONCILE_INTERVAL_SECONDS: '5',
      POWERTOOLS_LOG_LEVEL: process.env.CHAOS_LOG_LEVEL ?? 'ERROR',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  let errors = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
    if (process.env.CHAOS_RUNTIME_LOG) appendFileSync(process.env.CHAOS_RUNTIME_LOG, chunk);
    for (const line of chunk.toString().split('\n'))
      if (/replayed|re-queued|error|failed/i.test(line)) log(`runtime: ${line}`);
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    errors += text;
    if (!text.includes('NodeVersionSupportWarning') && text.trim())
      log(`runtime stderr: ${text.trim().slice(0, 3000)}`);
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = /ready on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
    if (ready?.[1]) return { child, url: ready[1] };
    if (child.exitCode !== null) {
      throw new RuntimeExitedEarly(`runtime exited early: ${output}${errors.slice(-3000)}`, errors);
    }
    if (Date.now() > deadline) throw new Error(`runtime did not start: ${output}${errors.slice(-3000)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts the runtime on `port` again (the address clients know), or, when something else took that
 * port while the runtime was down (other test files bind ports too), on a new one.
 */
async function startRuntimeProcess(
  dataDir: string,
  port: number,
  log: (line: string) => void,
): Promise<RuntimeProcess> {
  try {
    return await spawnRuntime(dataDir, port, log);
  } catch (error) {
    if (port === 0 || !(error instanceof RuntimeExitedEarly) || !error.stderr.includes('EADDRINUSE')) {
      throw error;
    }
    log(`port ${port} was taken while the runtime was down: restarting on a new one`);
    return spawnRuntime(dataDir, 0, log);
  }
}

async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

/** Retries a call through restarts: the runtime may be down for a moment. */
async function withRetry<T>(call: () => Promise<T>, attempts = 100): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

export async function runChaos(options: ChaosOptions): Promise<ChaosReport> {
  const log = options.log ?? (() => undefined);
  const dataDir = await mkdtemp(join(tmpdir(), 'webhooks-chaos-'));
  // The first start takes a port the OS picks; restarts come back on it (startRuntimeProcess).
  let runtime = await startRuntimeProcess(dataDir, 0, log);
  let api = new ApiClient(runtime.url, API_KEY);
  const receivers = await Promise.all(
    Array.from({ length: options.endpoints }, () => ChaosReceiver.start(options.failureRate)),
  );
  let kills = 0;
  try {
    const webhookIds: string[] = [];
    for (const receiver of receivers) {
      const created = await api.post<{ id: string }>('/v1/webhooks', {
        name: 'chaos',
        url: `${receiver.url}/hook`,
        events: ['order.created'],
        timeout_seconds: 2,
        retry_policy: { max_retries: 10, intervals_seconds: [1, 1, 2] },
      });
      if (created.status !== 201) throw new Error(`create failed: ${JSON.stringify(created.body)}`);
      webhookIds.push(created.body.id);
    }
    const eventIds = new Set<string>();
    const started = Date.now();
    const publishOne = async (index: number) => {
      const response = await withRetry(async () => {
        const attempt = await api.post<{ id: string }>('/v1/events', {
          type: 'order.created',
          data: { order_id: `chaos_${index}` },
          idempotency_key: `chaos-${index}`,
        });
        if (attempt.status !== 202) throw new Error(`publish answered ${attempt.status}`);
        return attempt;
      });
      eventIds.add(response.body.id);
    };
    const killEvery = Math.max(1, Math.floor(options.events / (options.kills + 1)));
    let next = 0;
    const publishers = Array.from({ length: 10 }, async () => {
      while (next < options.events) await publishOne(next++);
    });
    const killer = (async () => {
      while (kills < options.kills) {
        await new Promise((resolve) => setTimeout(resolve, 500));
        if (next < killEvery * (kills + 1) && next < options.events) continue;
        await kill(runtime.child);
        kills += 1;
        log(`SIGKILL ${kills} after ${next} publishes`);
        runtime = await startRuntimeProcess(dataDir, Number(new URL(runtime.url).port), log);
        if (runtime.url !== api.baseUrl) api = new ApiClient(runtime.url, API_KEY);
      }
    })();
    await Promise.all([...publishers, killer]);

    const expected = options.events * options.endpoints;
    const deliveredCount = () =>
      receivers.reduce(
        (sum, receiver) => sum + [...eventIds].filter((id) => receiver.acknowledged.has(id)).length,
        0,
      );
    const deadline = Date.now() + options.timeoutMs;
    while (deliveredCount() < expected && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    const drainSeconds = (Date.now() - started) / 1000;
    const finalStatuses: Record<string, number> = {};
    for (const webhookId of webhookIds) {
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const page = await withRetry(() =>
          api.get<{ data: { status: string }[]; next_cursor: string | null }>(
            `/v1/webhooks/${webhookId}/deliveries?limit=100${query}`,
          ),
        );
        for (const delivery of page.body.data)
          finalStatuses[delivery.status] = (finalStatuses[delivery.status] ?? 0) + 1;
        cursor = page.body.next_cursor;
      } while (cursor);
    }
    const delivered = deliveredCount();
    return {
      deliveries: expected,
      delivered,
      lost: expected - delivered,
      duplicates: receivers.reduce(
        (sum, receiver) => sum + [...receiver.acknowledged.values()].filter((times) => times > 1).length,
        0,
      ),
      requests: receivers.reduce((sum, receiver) => sum + receiver.requests, 0),
      injectedFailures: receivers.reduce((sum, receiver) => sum + receiver.injectedFailures, 0),
      kills,
      drainSeconds: Math.round(drainSeconds),
      finalStatuses,
    };
  } finally {
    await kill(runtime.child);
    await Promise.all(receivers.map((receiver) => receiver.stop()));
    await rm(dataDir, { recursive: true, force: true });
  }
}

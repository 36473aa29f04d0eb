import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WebhookResource } from '../../lambdas/http/representations.js';
import {
  type LocalRuntime,
  type LocalRuntimeOptions,
  startLocalRuntime,
} from '../../lambdas/local/runtime.js';
import { type LocalTopology, synthesizeTopology } from '../../lib/local-topology.js';

/** Starts the local runtime on a free port with a fresh data directory; the topology is synthesized once. */

let topology: LocalTopology | undefined;

export interface TestRuntime extends LocalRuntime {
  readonly dataDir: string;
  readonly tenant: ApiClient;
  readonly admin: ApiClient;
  /** Stops the runtime and deletes its data directory. */
  dispose(): Promise<void>;
}

export async function startTestRuntime(
  options: Partial<Omit<LocalRuntimeOptions, 'topology' | 'dataDir'>> & { dataDir?: string } = {},
): Promise<TestRuntime> {
  topology ??= synthesizeTopology();
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'webhooks-e2e-')));
  const runtime = await startLocalRuntime({
    port: 0,
    adminToken: 'test-admin-token',
    visibilityTimeoutSeconds: 2,
    reconcileIntervalMs: 60_000,
    ...options,
    topology,
    dataDir,
  });
  return {
    ...runtime,
    dataDir,
    tenant: new ApiClient(runtime.url, runtime.apiKey),
    admin: new ApiClient(runtime.url, runtime.adminToken),
    dispose: async () => {
      await runtime.stop();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

export type JsonObject = Record<string, unknown>;

export interface ApiResponse<T = JsonObject> {
  readonly status: number;
  readonly body: T;
}

/** A tiny JSON client: bodies are sent as given (strings raw, anything else JSON-encoded). */
export class ApiClient {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  withToken(token: string | undefined): ApiClient {
    return new ApiClient(this.baseUrl, token);
  }

  async request<T = JsonObject>(method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (this.token) headers.authorization = `Bearer ${this.token}`;
    const response = await fetch(`${this.baseUrl}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
      // A request left hanging fails the test that made it, with a reason, long before its timeout.
      signal: AbortSignal.timeout(60_000),
    });
    const text = await response.text();
    return { status: response.status, body: text === '' ? undefined : JSON.parse(text) };
  }

  get<T = JsonObject>(path: string) {
    return this.request<T>('GET', path);
  }
  post<T = JsonObject>(path: string, body?: unknown) {
    return this.request<T>('POST', path, body ?? {});
  }
  patch<T = JsonObject>(path: string, body: unknown) {
    return this.request<T>('PATCH', path, body);
  }
  put<T = JsonObject>(path: string, body: unknown) {
    return this.request<T>('PUT', path, body);
  }
  delete<T = JsonObject>(path: string) {
    return this.request<T>('DELETE', path);
  }
}

/** Polls until `check` returns a value (not undefined) or the time runs out. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 15_000,
  everyMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
}

export interface WebhookPage {
  readonly data: WebhookResource[];
  readonly next_cursor: string | null;
}

/** Every webhook the client's account has, page after page. */
export async function listAllWebhooks(client: ApiClient): Promise<WebhookResource[]> {
  const all: WebhookResource[] = [];
  let cursor: string | null = null;
  do {
    const query: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : '?limit=100';
    const page: ApiResponse<WebhookPage> = await client.get<WebhookPage>(`/v1/webhooks${query}`);
    if (page.status !== 200) throw new Error(`listing webhooks answered ${page.status}`);
    all.push(...page.body.data);
    cursor = page.body.next_cursor;
  } while (cursor);
  return all;
}

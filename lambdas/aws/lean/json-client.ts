import { Agent as HttpAgent, request as httpRequest } from 'node:http';
import { Agent as HttpsAgent, request as httpsRequest } from 'node:https';
import { type AwsCredentials, signRequest } from './sigv4.js';

/**
 * A client for AWS's JSON protocols (DynamoDB, SQS, EventBridge): one signed POST per call over a
 * keep-alive agent. It re-implements, narrowly, what the SDK's middleware does for us: SigV4, the
 * standard retry mode (3 attempts, backoff with full jitter on throttling, 5xx and network errors),
 * a request timeout, and errors named by their AWS code. Regional endpoints only.
 */

export interface JsonClientOptions {
  /** The signing name: `dynamodb`, `sqs`, `events`, `ses`. */
  readonly service: string;
  /** The regional endpoint's first label when it is not the signing name (SES: `email`). */
  readonly endpointPrefix?: string;
  /**
   * X-Amz-Target's prefix for the JSON protocols: `DynamoDB_20120810`, `AmazonSQS`, `AWSEvents`.
   * Absent: REST-JSON (SES v2), a POST of the input to the command's path.
   */
  readonly targetPrefix?: string;
  readonly jsonVersion?: '1.0' | '1.1';
  readonly region?: string;
  /** An explicit endpoint (local engines); the regional endpoint when absent. */
  readonly endpoint?: string;
  /** @default 3, as the SDK's standard retry mode */
  readonly maxAttempts?: number;
  /** An attempt ends when its socket stays silent this long. @default 10_000 */
  readonly timeoutMs?: number;
}

/** An AWS error as the SDK throws it: `name` is the error code, the body's other fields copied on. */
export interface AwsError extends Error {
  readonly $fault: 'client' | 'server';
  readonly $metadata: { httpStatusCode?: number; requestId?: string; attempts: number };
  readonly [field: string]: unknown;
}

const THROTTLING = new Set([
  'ThrottlingException',
  'Throttling',
  'ProvisionedThroughputExceededException',
  'RequestLimitExceeded',
  'TooManyRequestsException',
  'RequestThrottled',
  'RequestThrottledException',
  'SlowDown',
]);
const NETWORK = new Set(['ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN']);

const BACKOFF_BASE_MS = 50;
const BACKOFF_CAP_MS = 1_000;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface RawResponse {
  readonly status: number;
  readonly body: string;
  readonly requestId?: string;
  /** REST-JSON names its errors in this header (`Code:` and a URL after the colon). */
  readonly errorType?: string;
}

/** Lambda sets these (temporary credentials with a session token); so do bin/local.ts and the tests. */
export function credentialsFromEnv(env: NodeJS.ProcessEnv = process.env): AwsCredentials {
  const accessKeyId = env.AWS_ACCESS_KEY_ID;
  const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
  if (!accessKeyId || !secretAccessKey) {
    throw Object.assign(new Error('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set'), {
      name: 'CredentialsProviderError',
    });
  }
  return env.AWS_SESSION_TOKEN
    ? { accessKeyId, secretAccessKey, sessionToken: env.AWS_SESSION_TOKEN }
    : { accessKeyId, secretAccessKey };
}

function isRetryable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { name, code, message, $metadata } = error as {
    name?: string;
    code?: string;
    message?: string;
    $metadata?: { httpStatusCode?: number };
  };
  if (name && THROTTLING.has(name)) return true;
  if (name === 'TimeoutError' || (code && NETWORK.has(code)) || message === 'socket hang up') return true;
  const status = $metadata?.httpStatusCode;
  return status !== undefined && status >= 500;
}

/** The SDK's error shape from a JSON protocol error body: `__type` is `namespace#Code` or `Code`. */
function awsError(response: RawResponse, attempts: number): AwsError {
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(response.body);
    if (typeof parsed === 'object' && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // Not JSON (a proxy's HTML page): named by the status below.
  }
  const type =
    typeof body.__type === 'string'
      ? body.__type
      : typeof body.code === 'string'
        ? body.code
        : (response.errorType ?? '');
  const name = type.slice(type.lastIndexOf('#') + 1).split(':')[0] || `Http${response.status}Error`;
  const message =
    typeof body.message === 'string' ? body.message : typeof body.Message === 'string' ? body.Message : name;
  const error = new Error(message) as Error & Record<string, unknown>;
  for (const [field, value] of Object.entries(body)) {
    if (field !== '__type' && field !== 'message' && field !== 'Message') error[field] = value;
  }
  error.name = name;
  error.$fault = response.status >= 500 ? 'server' : 'client';
  error.$metadata = {
    httpStatusCode: response.status,
    ...(response.requestId ? { requestId: response.requestId } : {}),
    attempts,
  };
  return error as AwsError;
}

export class AwsJsonClient {
  private readonly agent: HttpAgent;
  private readonly send: typeof httpRequest;
  private readonly hostname: string;
  private readonly port: number | undefined;
  private readonly host: string;
  private readonly path: string;
  private readonly region: string;
  private readonly contentType: string;
  private readonly maxAttempts: number;
  private readonly timeoutMs: number;

  constructor(private readonly options: JsonClientOptions) {
    this.region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
    const prefix = options.endpointPrefix ?? options.service;
    const url = new URL(options.endpoint ?? `https://${prefix}.${this.region}.amazonaws.com`);
    const secure = url.protocol === 'https:';
    // One agent per client (so per endpoint): connections stay open between calls, as the SDK's do.
    this.agent = secure
      ? new HttpsAgent({ keepAlive: true, maxSockets: 50 })
      : new HttpAgent({ keepAlive: true, maxSockets: 50 });
    this.send = secure ? httpsRequest : httpRequest;
    this.hostname = url.hostname;
    this.port = url.port ? Number(url.port) : undefined;
    this.host = url.host;
    // An endpoint's own path (a proxy's) prefixes every call's, which starts with '/'.
    this.path = url.pathname === '/' ? '' : url.pathname;
    this.contentType = options.targetPrefix
      ? `application/x-amz-json-${options.jsonVersion ?? '1.0'}`
      : 'application/json';
    this.maxAttempts = options.maxAttempts ?? 3;
    this.timeoutMs = options.timeoutMs ?? 10_000;
  }

  /**
   * Calls `operation` (e.g. `GetItem`) with a JSON input; resolves to the parsed output. `path` is
   * the REST-JSON operation's (the JSON protocols post to `/`).
   */
  async call(operation: string, input: object, path = '/'): Promise<Record<string, unknown>> {
    const body = JSON.stringify(input);
    for (let attempt = 1; ; attempt++) {
      try {
        const response = await this.attempt(operation, body, `${this.path}${path}`);
        if (response.status >= 200 && response.status < 300) {
          return response.body ? (JSON.parse(response.body) as Record<string, unknown>) : {};
        }
        throw awsError(response, attempt);
      } catch (error) {
        if (attempt >= this.maxAttempts || !isRetryable(error)) throw error;
        // Full jitter: anywhere between 0 and the exponential bound, so retries spread out.
        await sleep(Math.random() * Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1)));
      }
    }
  }

  private attempt(operation: string, body: string, path: string): Promise<RawResponse> {
    const headers: Record<string, string> = { 'content-type': this.contentType, host: this.host };
    if (this.options.targetPrefix) headers['x-amz-target'] = `${this.options.targetPrefix}.${operation}`;
    Object.assign(
      headers,
      signRequest(
        { method: 'POST', path, headers, body },
        {
          region: this.region,
          service: this.options.service,
          credentials: credentialsFromEnv(),
          date: new Date(),
        },
      ),
    );
    headers['content-length'] = String(Buffer.byteLength(body));
    return new Promise<RawResponse>((resolve, reject) => {
      const req = this.send(
        {
          method: 'POST',
          hostname: this.hostname,
          port: this.port,
          path,
          headers,
          agent: this.agent,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', reject);
          res.on('end', () => {
            const requestId = res.headers['x-amzn-requestid'];
            const errorType = res.headers['x-amzn-errortype'];
            resolve({
              status: res.statusCode ?? 0,
              body: Buffer.concat(chunks).toString('utf8'),
              ...(typeof requestId === 'string' ? { requestId } : {}),
              ...(typeof errorType === 'string' ? { errorType } : {}),
            });
          });
        },
      );
      req.setTimeout(this.timeoutMs, () => {
        req.destroy(
          Object.assign(new Error(`${operation} timed out after ${this.timeoutMs} ms`), {
            name: 'TimeoutError',
          }),
        );
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** Closes the kept-alive connections (tests, the local runtime's shutdown). */
  destroy(): void {
    this.agent.destroy();
  }
}

/**
 * A middleware as the SDK's 'initialize' step sees it: the command's name (`GetItemCommand`), the
 * protocol-level input and output. What the bench's meter (bench/aws-meter.ts) and tests hook.
 */
export type LeanHandler = (args: {
  input: Record<string, unknown>;
}) => Promise<{ output: Record<string, unknown> }>;
export type LeanMiddleware = (next: LeanHandler, context: { commandName: string }) => LeanHandler;

/** The SDK client's `middlewareStack.add`, for the one step the service hooks. */
export class LeanMiddlewareStack {
  private readonly middlewares: LeanMiddleware[] = [];

  add(middleware: LeanMiddleware, _options?: { step?: 'initialize'; name?: string }): void {
    this.middlewares.push(middleware);
  }

  /** Runs `last` inside every middleware: the first added outermost, as the SDK does in one step. */
  run(
    commandName: string,
    input: Record<string, unknown>,
    last: LeanHandler,
  ): Promise<{ output: Record<string, unknown> }> {
    let handler = last;
    for (let index = this.middlewares.length - 1; index >= 0; index--) {
      handler = this.middlewares[index]!(handler, { commandName });
    }
    return handler({ input });
  }
}

/** A command of a JSON service whose inputs and outputs go over the wire as they are (SQS, EventBridge). */
export abstract class LeanJsonCommand<Input extends object, Output> {
  /** Only for typing `send`'s result. */
  declare readonly outputType?: Output;
  /** The operation, e.g. `SendMessageBatch`. */
  abstract readonly operation: string;
  /** REST-JSON only: the operation's path. */
  readonly path?: string;
  constructor(readonly input: Input) {}

  /** The input as the wire wants it (a command with timestamps converts them). */
  wireInput(): Record<string, unknown> {
    return { ...this.input } as Record<string, unknown>;
  }
}

/** `send(new XCommand(input))` over AwsJsonClient, with the SDK's middleware hook. */
export class LeanJsonServiceClient {
  private readonly http: AwsJsonClient;
  readonly middlewareStack = new LeanMiddlewareStack();

  constructor(options: JsonClientOptions) {
    this.http = new AwsJsonClient(options);
  }

  async send<Input extends object, Output>(command: LeanJsonCommand<Input, Output>): Promise<Output> {
    const { output } = await this.middlewareStack.run(
      `${command.operation}Command`,
      command.wireInput(),
      async (args) => ({ output: await this.http.call(command.operation, args.input, command.path) }),
    );
    return { ...output, $metadata: { httpStatusCode: 200 } } as Output;
  }

  destroy(): void {
    this.http.destroy();
  }
}

/**
 * Sends one webhook POST with node:http/https (not fetch, whose redirect, DNS and body handling
 * cannot be controlled enough). Guarantees: redirects are never followed; the address actually
 * connected to is checked (DNS rebinding); one deadline covers DNS, connect, TLS, headers and body;
 * at most 4 KB of the response is read; it never throws.
 */
import type { LookupAddress, LookupOptions } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type {
  HostResolver,
  OutboundRequest,
  OutboundResponse,
  WebhookSender,
} from '../domain/ports/outbound-http.js';
import { checkResolvedAddresses, checkWebhookUrl, type TargetPolicy } from '../domain/url-safety.js';
import { systemResolver } from './dns-resolver.js';

export const MAX_RESPONSE_SNIPPET_BYTES = 4096;
/** Idle keep-alive sockets are closed after this; a Lambda freeze can still leave one stale. */
const IDLE_SOCKET_TIMEOUT_MS = 4000;

export interface HttpWebhookSenderOptions {
  readonly policy: TargetPolicy;
  /** Defaults to the system resolver; tests inject one. */
  readonly resolve?: HostResolver;
}

/** How a write to a pooled socket the server already closed fails. */
const STALE_SOCKET_ERROR_CODES: ReadonlySet<string> = new Set(['ECONNRESET', 'EPIPE']);

/** The connect-time address check refused every answer. */
class BlockedAddressError extends Error {
  readonly code = 'EBLOCKEDADDRESS';
}

/** What one request/response exchange produced. */
interface ExchangeResult {
  readonly response: OutboundResponse;
  /** The request failed on a pooled socket the server had already closed: safe to try once more. */
  readonly staleSocket: boolean;
}

const errorCode = (error: unknown): string | undefined =>
  error instanceof Error && 'code' in error && typeof error.code === 'string' ? error.code : undefined;

const FRIENDLY_ERROR_PREFIXES: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'DNS lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
};

const describeError = (error: unknown): string => {
  if (error instanceof BlockedAddressError) return `blocked address: ${error.message}`;
  const message = error instanceof Error ? error.message : String(error);
  const code = errorCode(error);
  const prefix = code === undefined ? undefined : FRIENDLY_ERROR_PREFIXES[code];
  return prefix === undefined ? `request failed: ${message}` : `${prefix} (${message})`;
};

/** UTF-8 text of at most `maxBytes` bytes, never ending in half a character. */
const decodeSnippet = (bytes: Buffer, maxBytes: number): string => {
  // write() (without end()) holds back an incomplete trailing sequence instead of emitting U+FFFD.
  const text = new StringDecoder('utf8').write(bytes);
  const encoded = Buffer.from(text, 'utf8');
  // Invalid bytes decode to 3-byte U+FFFD, so the text can outgrow the bytes it came from.
  return encoded.length <= maxBytes ? text : new StringDecoder('utf8').write(encoded.subarray(0, maxBytes));
};

const familyOf = (family: LookupOptions['family']): 0 | 4 | 6 => {
  if (family === 4 || family === 'IPv4') return 4;
  if (family === 6 || family === 'IPv6') return 6;
  return 0;
};

/**
 * Node writes a header value one byte per character, and refuses a character above U+00FF: each
 * value goes as its UTF-8 bytes instead, so a custom header with emoji arrives as the tenant set it.
 */
const asUtf8Bytes = (headers: Readonly<Record<string, string>>): Record<string, string> =>
  Object.fromEntries(
    Object.entries(headers).map(([name, value]) => [name, Buffer.from(value, 'utf8').toString('latin1')]),
  );

export class HttpWebhookSender implements WebhookSender {
  private readonly policy: TargetPolicy;
  private readonly resolve: HostResolver;
  // Keep-alive saves a TCP+TLS handshake per delivery to the same receiver. A socket we destroy
  // (timeout, 4 KB cap) never returns to the pool; only fully read responses release theirs.
  private readonly httpAgent = new http.Agent({ keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS });
  private readonly httpsAgent = new https.Agent({ keepAlive: true, timeout: IDLE_SOCKET_TIMEOUT_MS });

  constructor(options: HttpWebhookSenderOptions) {
    this.policy = options.policy;
    this.resolve = options.resolve ?? systemResolver;
  }

  async send(request: OutboundRequest): Promise<OutboundResponse> {
    const startedAt = performance.now();
    const elapsedMs = (): number => Math.round(performance.now() - startedAt);
    try {
      // Checked again here, not only when the endpoint was saved: policy and DNS change. This also
      // covers IP-literal hosts, for which no lookup happens at connect time.
      const checked = checkWebhookUrl(request.url, this.policy);
      if (!checked.ok) return { error: `blocked: ${checked.reason}`, responseTimeMs: elapsedMs() };
      const deadlineMs = startedAt + request.timeoutMs;
      const first = await this.exchange(checked.url, request, {
        deadlineMs,
        startedAt,
        freshConnection: false,
      });
      if (!first.staleSocket || performance.now() >= deadlineMs) return first.response;
      const second = await this.exchange(checked.url, request, {
        deadlineMs,
        startedAt,
        freshConnection: true,
      });
      return second.response;
    } catch (error) {
      return { error: describeError(error), responseTimeMs: elapsedMs() };
    }
  }

  /** Resolves through the injected resolver, then refuses to connect to any non-public answer. */
  private readonly guardedLookup: LookupFunction = (hostname, options, callback) => {
    const fail = (error: NodeJS.ErrnoException): void => callback(error, options.all ? [] : '');
    this.resolve(hostname).then(
      (answers) => {
        const family = familyOf(options.family);
        const addresses = family === 0 ? answers : answers.filter((address) => isIP(address) === family);
        const check = checkResolvedAddresses(addresses, this.policy);
        if (!check.ok) {
          fail(new BlockedAddressError(`${hostname}: ${check.reason}`));
          return;
        }
        const lookupAddresses: LookupAddress[] = addresses.map((address) => ({
          address,
          family: isIP(address),
        }));
        const [firstAddress] = lookupAddresses;
        if (options.all) callback(null, lookupAddresses);
        else if (firstAddress !== undefined) callback(null, firstAddress.address, firstAddress.family);
      },
      (error: unknown) => fail(error instanceof Error ? error : new Error(String(error))),
    );
  };

  private exchange(
    url: URL,
    request: OutboundRequest,
    timing: { deadlineMs: number; startedAt: number; freshConnection: boolean },
  ): Promise<ExchangeResult> {
    return new Promise((resolveExchange) => {
      const elapsedMs = (): number => Math.round(performance.now() - timing.startedAt);
      let settled = false;
      let statusReceived: number | undefined;
      let timer: NodeJS.Timeout | undefined;
      const finish = (result: ExchangeResult): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        resolveExchange(result);
      };
      const finishWithError = (message: string): void =>
        finish({ response: { error: message, responseTimeMs: elapsedMs() }, staleSocket: false });

      const isHttps = url.protocol === 'https:';
      const pooledAgent = isHttps ? this.httpsAgent : this.httpAgent;
      const req = (isHttps ? https : http).request(
        url,
        {
          method: 'POST',
          // Ours last: a stray content-length in the request headers must not misframe the body.
          headers: {
            ...asUtf8Bytes(request.headers),
            'content-length': String(Buffer.byteLength(request.body)),
          },
          // The retry after a stale pooled socket gets a connection of its own.
          agent: timing.freshConnection ? false : pooledAgent,
          lookup: this.guardedLookup,
        },
        (res) => {
          statusReceived = res.statusCode;
          const chunks: Buffer[] = [];
          let receivedBytes = 0;
          const complete = (): void =>
            finish({
              response: {
                statusCode: res.statusCode,
                retryAfter: res.headers['retry-after'],
                bodySnippet: decodeSnippet(Buffer.concat(chunks), MAX_RESPONSE_SNIPPET_BYTES),
                responseTimeMs: elapsedMs(),
              },
              staleSocket: false,
            });
          res.on('data', (chunk: Buffer) => {
            if (settled) return;
            const piece = chunk.subarray(0, MAX_RESPONSE_SNIPPET_BYTES - receivedBytes);
            chunks.push(piece);
            receivedBytes += piece.length;
            if (receivedBytes >= MAX_RESPONSE_SNIPPET_BYTES) {
              complete();
              // Enough read: drop the connection rather than drain a body of any size.
              req.destroy();
            }
          });
          res.on('end', complete);
          res.on('error', (error) => finishWithError(describeError(error)));
          res.on('close', () => finishWithError('connection closed before the response was complete'));
        },
      );

      // One timer for the whole exchange, so a receiver trickling bytes cannot hold the sender.
      timer = setTimeout(
        () => {
          const partial =
            statusReceived === undefined ? '' : ` (status ${statusReceived} received, body incomplete)`;
          finishWithError(`timeout: no complete response within ${request.timeoutMs} ms${partial}`);
          req.destroy();
        },
        Math.max(0, timing.deadlineMs - performance.now()),
      );

      req.on('error', (error) => {
        const staleSocket =
          req.reusedSocket &&
          !timing.freshConnection &&
          statusReceived === undefined &&
          STALE_SOCKET_ERROR_CODES.has(errorCode(error) ?? '');
        finish({ response: { error: describeError(error), responseTimeMs: elapsedMs() }, staleSocket });
      });
      // As bytes: Node writes a string body in one piece with the head, in the body's encoding,
      // which would encode the header bytes above a second time.
      req.end(Buffer.from(request.body, 'utf8'));
    });
  }
}

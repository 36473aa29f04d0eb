import { appendFile } from 'node:fs/promises';
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

/**
 * A webhook receiver inside the local runtime, so that the README's curl examples (and a quick demo)
 * have an endpoint to deliver to with nothing else running and no network:
 *
 * - `POST $BASE/local/receiver/<anything>` answers 200 `{"received":true}`;
 * - `GET $BASE/local/receiver` lists what arrived, newest first (the last 100), each request also
 *   appended as one JSON line to `<data dir>/receiver.jsonl`.
 *
 * It verifies nothing (docs/receivers/ has receivers that do) and exists only locally: it is a
 * plain-http loopback URL, which the deployed URL policy (and WEBHOOKS_ALLOW_PRIVATE_TARGETS=false)
 * refuses.
 */

export const LOCAL_RECEIVER_PATH = '/local/receiver';
const KEPT = 100;
const MAX_BODY_BYTES = 256 * 1024;

export interface LocalReceivedRequest {
  readonly received_at: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: unknown;
}

const SHOWN_HEADERS = /^(webhook-|x-webhook-|content-type$|user-agent$)/;

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    const piece = chunk as Buffer;
    size += piece.length;
    if (size <= MAX_BODY_BYTES) chunks.push(piece);
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_BODY_BYTES);
}

function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function json(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  response.end(text);
}

/** Serves the local receiver's paths, everything else through `next`. */
export function withLocalReceiver(next: RequestListener, logFile: string): RequestListener {
  const received: LocalReceivedRequest[] = [];
  const receive = async (request: IncomingMessage, response: ServerResponse, path: string) => {
    if (request.method === 'GET') {
      json(response, 200, { data: [...received].reverse() });
      return;
    }
    if (request.method !== 'POST') {
      request.resume();
      json(
        response,
        405,
        { error: { code: 'method_not_allowed', message: 'POST or GET' } },
        { allow: 'GET, POST' },
      );
      return;
    }
    const headers = Object.fromEntries(
      Object.entries(request.headers)
        .filter(([name, value]) => SHOWN_HEADERS.test(name) && typeof value === 'string')
        .map(([name, value]) => [name, String(value)]),
    );
    const entry: LocalReceivedRequest = {
      received_at: new Date().toISOString(),
      path,
      headers,
      body: parsed(await readBody(request)),
    };
    received.push(entry);
    if (received.length > KEPT) received.shift();
    await appendFile(logFile, `${JSON.stringify(entry)}\n`);
    json(response, 200, { received: true });
  };
  return (request, response) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (path !== LOCAL_RECEIVER_PATH && !path.startsWith(`${LOCAL_RECEIVER_PATH}/`)) {
      next(request, response);
      return;
    }
    receive(request, response, path).catch((error: unknown) => {
      console.error('local receiver error', error);
      if (!response.headersSent)
        json(response, 500, { error: { code: 'internal_error', message: 'Internal error' } });
    });
  };
}

import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A real webhook receiver on 127.0.0.1: answers from a script of behaviours (one per request, the
 * last repeating) and records every request it gets, raw body included, for verification with the
 * official standardwebhooks library.
 */

export type Behaviour =
  | { status: number; body?: string; headers?: Record<string, string> }
  | { hang: true }
  | { reset: true };

export interface ReceivedRequest {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly receivedAt: number;
}

export class Receiver {
  readonly requests: ReceivedRequest[] = [];
  private script: Behaviour[];
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    readonly url: string,
    script: Behaviour[],
  ) {
    this.script = script;
  }

  static async start(script: Behaviour[] = [{ status: 200, body: '{"received":true}' }]): Promise<Receiver> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const receiver = new Receiver(
      server,
      `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      script,
    );
    server.on('request', (request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () =>
        receiver.answer(request.url ?? '/', request.headers, Buffer.concat(chunks), response),
      );
    });
    return receiver;
  }

  /** Replaces the behaviours still to come. */
  respondWith(script: Behaviour[]): void {
    this.script = script;
  }

  private answer(path: string, headers: IncomingHttpHeaders, body: Buffer, response: ServerResponse): void {
    this.requests.push({ path, headers, body: body.toString('utf8'), receivedAt: Date.now() });
    const behaviour = (this.script.length > 1 ? this.script.shift() : this.script[0]) ?? { status: 200 };
    if ('hang' in behaviour) {
      this.hanging.add(response);
      return;
    }
    if ('reset' in behaviour) {
      response.socket?.destroy();
      return;
    }
    response.writeHead(behaviour.status, { 'content-type': 'application/json', ...behaviour.headers });
    response.end(behaviour.body ?? '');
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

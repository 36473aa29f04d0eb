import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

/** The local runtime is a developer's tool: none of its servers may be reachable from the network. */

let runtime: TestRuntime;

beforeAll(async () => {
  runtime = await startTestRuntime();
});

afterAll(async () => {
  await runtime.dispose();
});

/** Local addresses (hex, as in /proc/net/tcp) of the sockets listening on `port`. */
async function listeningAddresses(port: number): Promise<string[]> {
  const table = await readFile('/proc/net/tcp', 'utf8');
  const portHex = port.toString(16).toUpperCase().padStart(4, '0');
  return table
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter((columns) => columns[1]?.endsWith(`:${portHex}`) && columns[3] === '0A') // 0A = LISTEN
    .map((columns) => columns[1]!.split(':')[0]!);
}

describe('the local runtime', () => {
  it.runIf(process.platform === 'linux')(
    'listens on loopback only: the API, the DynamoDB engine and the SQS engine',
    async () => {
      // Prepare
      const ports = [runtime.url, runtime.engines.dynamoDbEndpoint, runtime.engines.sqsEndpoint].map((url) =>
        Number(new URL(url).port),
      );

      // Act
      const addresses = await Promise.all(ports.map(listeningAddresses));

      // Assess: 0100007F is 127.0.0.1; 00000000 would be every interface.
      expect(addresses).toEqual([['0100007F'], ['0100007F'], ['0100007F']]);
    },
  );
});

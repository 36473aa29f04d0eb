import type { APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { ApiKeyRecord } from '../../lambdas/domain/model.js';
import type { Dependencies } from '../../lambdas/services/dependencies.js';

// These tests read the EMF lines Lambda writes to stdout: Powertools outside its dev mode (which
// test/support/setup.ts turns on so that vitest shows logs for failing tests only).
delete process.env.POWERTOOLS_DEV;

/**
 * lambdas/authorizer.ts: a wrong key is a 401 (`Unauthorized`, which Lambda counts as an error), an
 * unexpected failure is a 500 and the one thing that writes AuthorizerFailures, the metric the
 * authorizer's alarm watches (lib/observability.ts).
 */

let stdout: string[];
const savedDisabled = process.env.POWERTOOLS_METRICS_DISABLED;

beforeEach(() => {
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk));
    return true;
  });
  vi.resetModules();
});

afterEach(() => {
  vi.restoreAllMocks();
  if (savedDisabled === undefined) delete process.env.POWERTOOLS_METRICS_DISABLED;
  else process.env.POWERTOOLS_METRICS_DISABLED = savedDisabled;
});

/** The authorizer over an API key store whose lookup does `findByHash` (and whose `touch` does `touch`). */
async function authorizerWith(
  findByHash: (hash: string) => Promise<ApiKeyRecord | undefined>,
  touch: (keyHash: string, now: string, staleBefore: string) => Promise<void> = async () => {},
) {
  const { createAuthorizer } = await import('../../lambdas/authorizer.js');
  const dependencies = {
    apiKeys: { create: async () => {}, findByHash, touch },
    clock: { now: () => NOW },
  } as unknown as Dependencies;
  return createAuthorizer(() => dependencies);
}

const NOW = new Date('2026-03-01T12:00:00.000Z');

const request = (authorization: string) =>
  ({
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api/prod/GET/v1/webhooks',
    headers: { Authorization: authorization },
  }) as unknown as APIGatewayRequestAuthorizerEvent;

const failureCounts = (): unknown[] =>
  stdout
    .flatMap((chunk) => chunk.split('\n'))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => (JSON.parse(line) as Record<string, unknown>).AuthorizerFailures);

describe('authorizer', () => {
  it('answers an unknown key with Unauthorized and counts no failure', async () => {
    // Prepare
    const authorize = await authorizerWith(async () => undefined);
    // Act
    const answer = authorize(request('Bearer ak_unknown'));
    // Assess
    await expect(answer).rejects.toThrow(/^Unauthorized$/);
    expect(failureCounts()).toEqual([]);
  });

  it('answers a malformed header with Unauthorized and counts no failure', async () => {
    // Prepare
    const authorize = await authorizerWith(async () => {
      throw new Error('must not be looked up');
    });
    // Act
    const answer = authorize(request('Basic dXNlcjpwYXNz'));
    // Assess
    await expect(answer).rejects.toThrow(/^Unauthorized$/);
    expect(failureCounts()).toEqual([]);
  });

  it('rethrows a failing key lookup and counts one AuthorizerFailures', async () => {
    // Prepare
    const authorize = await authorizerWith(async () => {
      throw new Error('ProvisionedThroughputExceededException');
    });
    // Act
    const answer = authorize(request('Bearer ak_valid'));
    // Assess
    await expect(answer).rejects.toThrow('ProvisionedThroughputExceededException');
    expect(failureCounts()).toEqual([1]);
  });

  it('accepts a portal session key until its end, naming the end in the context, and refuses it from then on', async () => {
    // Prepare
    const session = (expiresAt: string): ApiKeyRecord => ({
      id: 'ses_test',
      accountId: 'acc_test',
      keyHash: 'hash',
      prefix: 'ps_abcdefg',
      scopes: ['webhooks:read'],
      createdAt: '2026-03-01T11:00:00.000Z',
      expiresAt,
    });
    const live = await authorizerWith(async () => session('2026-03-01T12:00:01.000Z'));
    const ended = await authorizerWith(async () => session('2026-03-01T12:00:00.000Z'));
    const key = `Bearer ps_${'a'.repeat(40)}`;

    // Act
    const allowed = await live(request(key));
    const refused = ended(request(key));

    // Assess
    expect(allowed.context).toEqual({
      accountId: 'acc_test',
      scopes: 'webhooks:read',
      keyId: 'ses_test',
      expiresAt: '2026-03-01T12:00:01.000Z',
    });
    await expect(refused).rejects.toThrow(/^Unauthorized$/);
    expect(failureCounts()).toEqual([]);
  });

  it('records a key use only when the last one is an hour old, and lets the key in when recording fails', async () => {
    // Prepare
    const key = (lastUsedAt?: string): ApiKeyRecord => ({
      id: 'key_test',
      accountId: 'acc_test',
      keyHash: 'hash',
      prefix: 'ak_abcdefg',
      scopes: ['webhooks:read'],
      createdAt: '2026-03-01T10:00:00.000Z',
      ...(lastUsedAt ? { lastUsedAt } : {}),
    });
    const touched: string[][] = [];
    const touch = async (...args: string[]) => {
      touched.push(args);
    };
    const bearer = `Bearer ak_${'a'.repeat(40)}`;

    // Act
    await (await authorizerWith(async () => key(), touch))(request(bearer));
    await (await authorizerWith(async () => key('2026-03-01T11:30:00.000Z'), touch))(request(bearer));
    await (await authorizerWith(async () => key('2026-03-01T10:59:59.000Z'), touch))(request(bearer));
    const failing = await authorizerWith(
      async () => key(),
      async () => {
        throw new Error('throttled');
      },
    );
    const allowed = await failing(request(bearer));

    // Assess
    const expected = ['hash', '2026-03-01T12:00:00.000Z', '2026-03-01T11:00:00.000Z'];
    expect(touched).toEqual([expected, expected]);
    expect(allowed.principalId).toBe('key_test');
    expect(failureCounts()).toEqual([]);
  });
});

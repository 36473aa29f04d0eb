import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  hasExpired,
  hashPortalLinkToken,
  isPortalLinkToken,
  newPortalLinkToken,
  PORTAL_LINK_LIFETIME_SECONDS,
  portalLinkUrl,
  portalScopes,
  portalTimes,
} from '../../lambdas/domain/portal.js';
import { createApiHandler, route, STATUS_BY_CODE } from '../../lambdas/http/api.js';
import { mintPortalLink } from '../../lambdas/services/portal.js';
import { rejection } from '../support/assertions.js';
import { anAccount } from '../support/factories.js';

const NOW = new Date('2026-03-01T12:00:00.000Z');

describe('portalTimes', () => {
  it('ends the link 15 minutes after minting when the session lasts longer', () => {
    // Act
    const times = portalTimes(NOW, 3600);

    // Assess
    expect(times).toEqual({
      linkExpiresAt: new Date(NOW.getTime() + PORTAL_LINK_LIFETIME_SECONDS * 1000).toISOString(),
      sessionExpiresAt: '2026-03-01T13:00:00.000Z',
    });
  });

  it('never lets the link outlive a shorter session', () => {
    // Act
    const times = portalTimes(NOW, 60);

    // Assess
    expect(times.linkExpiresAt).toBe('2026-03-01T12:01:00.000Z');
    expect(times.sessionExpiresAt).toBe('2026-03-01T12:01:00.000Z');
  });
});

describe('portalScopes', () => {
  it('gives a full session the tenant scopes and a read-only one webhooks:read alone', () => {
    // Act and Assess
    expect(portalScopes(false)).toEqual(['webhooks:read', 'webhooks:write', 'events:publish']);
    expect(portalScopes(true)).toEqual(['webhooks:read']);
  });
});

describe('link tokens', () => {
  it('are pl_ + 43 base64url characters, different each time, hashed to SHA-256 hex', () => {
    // Act
    const first = newPortalLinkToken();
    const second = newPortalLinkToken();

    // Assess
    expect(first).toMatch(/^pl_[A-Za-z0-9_-]{43}$/);
    expect(first).not.toBe(second);
    expect(isPortalLinkToken(first)).toBe(true);
    expect(hashPortalLinkToken(first)).toMatch(/^[0-9a-f]{64}$/);
    expect(hashPortalLinkToken(first)).not.toBe(hashPortalLinkToken(second));
  });

  it('refuses anything else as a token', () => {
    // Act and Assess
    for (const forged of [
      '',
      'pl_',
      'pl_short',
      `ak_${'a'.repeat(43)}`,
      `pl_${'a'.repeat(42)}!`,
      `pl_${'a'.repeat(44)}`,
    ]) {
      expect(isPortalLinkToken(forged), forged).toBe(false);
    }
  });
});

describe('portalLinkUrl', () => {
  it('puts the token in the fragment, replacing one the base URL had', () => {
    // Act and Assess
    expect(portalLinkUrl('https://portal.example.com/', 'pl_x')).toBe(
      'https://portal.example.com/#token=pl_x',
    );
    expect(portalLinkUrl('https://portal.example.com/app#old', 'pl_x')).toBe(
      'https://portal.example.com/app#token=pl_x',
    );
  });
});

describe('hasExpired', () => {
  it('is true from the expiry on, false before it and without one', () => {
    // Act and Assess
    expect(hasExpired('2026-03-01T12:00:00.000Z', NOW)).toBe(true);
    expect(hasExpired('2026-03-01T11:59:59.999Z', NOW)).toBe(true);
    expect(hasExpired('2026-03-01T12:00:00.001Z', NOW)).toBe(false);
    expect(hasExpired(undefined, NOW)).toBe(false);
  });
});

describe('mintPortalLink', () => {
  it('answers portal_unavailable, writing nothing, while the deployment has no portal URL', async () => {
    // Prepare
    const created: unknown[] = [];
    const deps = {
      accounts: { get: async () => anAccount(), create: async () => undefined },
      portalLinks: {
        create: async (link: unknown) => {
          created.push(link);
        },
        redeem: async () => ({ outcome: 'not_found' as const }),
      },
      clock: { now: () => NOW },
      portalUrl: undefined,
    };

    // Act
    const error = await rejection(mintPortalLink(deps, 'acc_test', {}));

    // Assess
    expect(error.code).toBe('portal_unavailable');
    expect(STATUS_BY_CODE[error.code]).toBe(409);
    expect(created).toEqual([]);
  });
});

describe('API handlers and portal session keys', () => {
  const handler = createApiHandler(
    [
      route({
        method: 'GET',
        path: '/v1/probe',
        access: 'webhooks:read',
        doc: { operationId: 'probe', tag: 'Meta', summary: 'probe', status: 200, schema: 'Probe' },
        handle: async () => ({ status: 200, body: { ok: true } }),
      }),
    ],
    () => NOW,
  );
  const call = (authorizer: Record<string, string>) =>
    handler(
      {
        httpMethod: 'GET',
        path: '/v1/probe',
        headers: {},
        body: null,
        requestContext: { authorizer },
      } as unknown as APIGatewayProxyEvent,
      { getRemainingTimeInMillis: () => 10_000 } as Context,
    );
  const tenant = { accountId: 'acc_test', scopes: 'webhooks:read', keyId: 'ses_x' };

  it('refuses a session key past its end even when a cached authorizer result still allows it', async () => {
    // Act
    const expired = await call({ ...tenant, expiresAt: '2026-03-01T11:59:59.000Z' });
    const live = await call({ ...tenant, expiresAt: '2026-03-01T12:00:01.000Z' });
    const apiKey = await call(tenant);

    // Assess
    expect(expired.statusCode).toBe(401);
    expect(JSON.parse(expired.body).error.code).toBe('unauthorized');
    expect(live.statusCode).toBe(200);
    expect(apiKey.statusCode).toBe(200);
  });
});

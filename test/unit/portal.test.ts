import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import {
  hasExpired,
  hashPortalLinkToken,
  isPortalLinkToken,
  newPortalLinkToken,
  PORTAL_LINK_LIFETIME_SECONDS,
  type PortalLink,
  portalLinkUrl,
  portalScopes,
  portalTimes,
} from '../../lambdas/domain/portal.js';
import { createPortalSessionBody } from '../../lambdas/domain/schemas.js';
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

describe('portal session branding (createPortalSessionBody)', () => {
  const parse = (body: unknown) => createPortalSessionBody.safeParse(body);
  const problems = (body: unknown) => (parse(body).error?.issues ?? []).map((issue) => issue.path.join('.'));

  it('takes a #rrggbb colour in either case and keeps it in lower case', () => {
    // Act and Assess
    expect(parse({ primary_color: '#1A2b3C' }).data).toEqual({ primary_color: '#1a2b3c' });
    expect(parse({ primary_color: '#000000' }).data).toEqual({ primary_color: '#000000' });
  });

  it('refuses any other colour, naming the field', () => {
    // Act and Assess
    for (const colour of [
      'red',
      '#fff',
      '#12345g',
      'javascript:',
      '1a2b3c',
      '#1a2b3c ',
      ' #1a2b3c',
      '#1a2b3c\n',
      '#1a2b3cff',
      'rgb(0,0,0)',
      '',
      '#１２３４５６',
      7,
      null,
    ]) {
      expect(problems({ primary_color: colour }), JSON.stringify(colour)).toEqual(['primary_color']);
    }
  });

  it('takes a product name of 1-60 characters after trimming, any Unicode, emoji included', () => {
    // Act and Assess
    expect(parse({ product_name: '  Acme Hooks  ' }).data).toEqual({ product_name: 'Acme Hooks' });
    for (const name of [
      'x',
      'x'.repeat(60),
      '👍'.repeat(60),
      '👨‍👩‍👧 Familie',
      'Überwebhooks',
      'شركة',
      '東京フック',
      'e\u0301clair',
      'a\u200db',
      '"<script>alert(1)</script>"',
    ]) {
      expect(parse({ product_name: name }).data, name).toEqual({ product_name: name });
    }
  });

  it('refuses an empty, blank, too long or control-character name, naming the field', () => {
    // Act and Assess
    for (const name of [
      '',
      '   ',
      '\t\n',
      'x'.repeat(61),
      `  ${'x'.repeat(61)}  `,
      '👍'.repeat(61),
      'x'.repeat(256 * 1024),
      'Acme\nBcc: x@example.com',
      'Acme\rHooks',
      'Acme\u0000',
      'Acme\u0007Hooks',
      'Acme\u007f',
      'Acme\u0085Hooks',
      'Acme\u202eskooH',
      'Acme\u2066Hooks',
      'Acme\u200fHooks',
      'Acme\u2028Hooks',
      'Acme\ud800Hooks',
      'Acme\udc00',
      42,
      null,
      ['Acme'],
    ]) {
      expect(problems({ product_name: name }), JSON.stringify(name).slice(0, 80)).toEqual(['product_name']);
    }
  });

  it('leaves branding out when not given', () => {
    // Act and Assess
    expect(parse({ ttl_seconds: 600 }).data).toEqual({ ttl_seconds: 600 });
  });
});

/** An account store that knows one account (mintPortalLink reads it, nothing more). */
const anAccountStore = () => ({
  get: async () => anAccount(),
  create: async () => undefined,
  list: async () => ({ items: [] }),
  update: async () => anAccount(),
  exists: async () => true,
  markDeleting: async () => true,
});

describe('mintPortalLink', () => {
  it('answers portal_unavailable, writing nothing, while the deployment has no portal URL', async () => {
    // Prepare
    const created: unknown[] = [];
    const deps = {
      accounts: anAccountStore(),
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

  it('stores the branding on the link, and none when not given', async () => {
    // Prepare
    const created: PortalLink[] = [];
    const deps = {
      accounts: anAccountStore(),
      portalLinks: {
        create: async (link: PortalLink) => {
          created.push(link);
        },
        redeem: async () => ({ outcome: 'not_found' as const }),
      },
      clock: { now: () => NOW },
      portalUrl: 'https://portal.example.com/',
    };

    // Act
    await mintPortalLink(deps, 'acc_test', { primary_color: '#abcdef', product_name: 'Acme' });
    await mintPortalLink(deps, 'acc_test', {});

    // Assess
    expect(created[0]).toMatchObject({ primaryColor: '#abcdef', productName: 'Acme' });
    expect(created[1]).not.toHaveProperty('primaryColor');
    expect(created[1]).not.toHaveProperty('productName');
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

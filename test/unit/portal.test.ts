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

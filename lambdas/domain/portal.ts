import { createHash, randomBytes } from 'node:crypto';
import type { Scope } from './model.js';

/**
 * Customer-portal access (docs/portal.md): the platform mints a one-time link for an account; the
 * portal exchanges the link's token once for a session key, an API key that expires with the
 * session. Pure: times, scopes, token shapes, the link's URL.
 */

export const DEFAULT_PORTAL_SESSION_SECONDS = 3600;
export const MIN_PORTAL_SESSION_SECONDS = 60;
export const MAX_PORTAL_SESSION_SECONDS = 86_400;
/** A link not exchanged within 15 minutes (or by the session's end, if sooner) is dead. */
export const PORTAL_LINK_LIFETIME_SECONDS = 900;
/**
 * A used or expired link's record is kept this long past the link's end, so a second use reads as
 * "used or expired" rather than "not found"; DynamoDB TTL removes it afterwards.
 */
export const PORTAL_LINK_RECORD_KEPT_SECONDS = 86_400;
/** A session's product name: at most this many Unicode code points (after trimming). */
export const MAX_PORTAL_PRODUCT_NAME_LENGTH = 60;

export interface PortalLink {
  /** SHA-256 hex of the link token; the token itself is never stored. */
  readonly tokenHash: string;
  readonly accountId: string;
  readonly readOnly: boolean;
  /** The portal's branding for this session (docs/portal.md, "Branding"): `#rrggbb`, lower case. */
  readonly primaryColor?: string;
  /** The platform's product name the portal shows, trimmed; no control characters. */
  readonly productName?: string;
  /** When the link stops being exchangeable. */
  readonly linkExpiresAt: string;
  /** When the session the link opens ends (its session key's expiry). */
  readonly sessionExpiresAt: string;
  readonly createdAt: string;
}

/** The session's end and the link's: the link lives 15 minutes at most, never past the session. */
export function portalTimes(
  now: Date,
  sessionSeconds: number,
): { linkExpiresAt: string; sessionExpiresAt: string } {
  const session = now.getTime() + sessionSeconds * 1000;
  const link = Math.min(now.getTime() + PORTAL_LINK_LIFETIME_SECONDS * 1000, session);
  return { linkExpiresAt: new Date(link).toISOString(), sessionExpiresAt: new Date(session).toISOString() };
}

/** A session's scopes: the tenant's, or reading webhooks only. */
export const portalScopes = (readOnly: boolean): Scope[] =>
  readOnly ? ['webhooks:read'] : ['webhooks:read', 'webhooks:write', 'events:publish'];

/** `pl_` + 32 random bytes, base64url (43 characters). */
export const newPortalLinkToken = (): string => `pl_${randomBytes(32).toString('base64url')}`;
export const isPortalLinkToken = (token: string): boolean => /^pl_[A-Za-z0-9_-]{43}$/.test(token);
export const hashPortalLinkToken = (token: string): string =>
  createHash('sha256').update(token).digest('hex');

/**
 * The link: the token in the fragment, which browsers never send (no server or CDN log, no
 * Referer). A fragment already on the base URL is replaced.
 */
export function portalLinkUrl(baseUrl: string, token: string): string {
  const hash = baseUrl.indexOf('#');
  return `${hash === -1 ? baseUrl : baseUrl.slice(0, hash)}#token=${token}`;
}

/** True once `expiresAt` (ISO) is not in the future. */
export const hasExpired = (expiresAt: string | undefined, now: Date): boolean =>
  expiresAt !== undefined && !(Date.parse(expiresAt) > now.getTime());

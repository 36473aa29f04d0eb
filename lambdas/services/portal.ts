import type * as z from 'zod/mini';
import { DomainError, notFound } from '../domain/errors.js';
import { hashApiKey, newPortalSessionId, newPortalSessionKey } from '../domain/ids.js';
import type { ApiKeyRecord } from '../domain/model.js';
import {
  DEFAULT_PORTAL_SESSION_SECONDS,
  hashPortalLinkToken,
  isPortalLinkToken,
  newPortalLinkToken,
  type PortalLink,
  portalLinkUrl,
  portalScopes,
  portalTimes,
} from '../domain/portal.js';
import type { createPortalSessionBody } from '../domain/schemas.js';
import type { Dependencies } from './dependencies.js';

/** Customer-portal access (docs/portal.md): one-time links, and their exchange for a session key. */

/**
 * POST /v1/admin/accounts/{id}/portal-sessions: stores the hash of a new link token and answers the
 * link (the token in its fragment) once. Nothing is written for an unknown account, nor when the
 * deployment has no portal.
 */
export async function mintPortalLink(
  deps: Pick<Dependencies, 'accounts' | 'portalLinks' | 'clock' | 'portalUrl'>,
  accountId: string,
  input: z.infer<typeof createPortalSessionBody>,
): Promise<{ url: string; expiresAt: string }> {
  if (!(await deps.accounts.get(accountId))) throw notFound('Account');
  if (!deps.portalUrl) {
    throw new DomainError(
      'portal_unavailable',
      'This deployment has no customer portal (PORTAL_URL is not set)',
    );
  }
  const now = deps.clock.now();
  const token = newPortalLinkToken();
  const times = portalTimes(now, input.ttl_seconds ?? DEFAULT_PORTAL_SESSION_SECONDS);
  await deps.portalLinks.create({
    tokenHash: hashPortalLinkToken(token),
    accountId,
    readOnly: input.read_only ?? false,
    ...(input.primary_color === undefined ? {} : { primaryColor: input.primary_color }),
    ...(input.product_name === undefined ? {} : { productName: input.product_name }),
    ...times,
    createdAt: now.toISOString(),
  });
  return { url: portalLinkUrl(deps.portalUrl, token), expiresAt: times.sessionExpiresAt };
}

/**
 * POST /v1/portal/sessions: redeems the link once (of concurrent exchanges, one wins) and issues a
 * session key for its account alone, shown once, stored hashed, ending with the session, and hands
 * back the link (its read-only flag and branding). A link that
 * never existed is `link_not_found`; one used already or past its end, `link_used_or_expired`.
 * If the process dies between the two writes, the link is spent without a session: mint another.
 */
export async function exchangePortalLink(
  deps: Pick<Dependencies, 'portalLinks' | 'apiKeys' | 'clock'>,
  token: string,
): Promise<{ key: string; record: ApiKeyRecord; link: PortalLink }> {
  const unknown = new DomainError('link_not_found', 'Unknown portal link');
  if (!isPortalLinkToken(token)) throw unknown;
  const now = deps.clock.now();
  const redemption = await deps.portalLinks.redeem(hashPortalLinkToken(token), now);
  if (redemption.outcome === 'not_found') throw unknown;
  if (redemption.outcome === 'used_or_expired') {
    throw new DomainError('link_used_or_expired', 'This portal link was used already or has expired');
  }
  const { link } = redemption;
  const key = newPortalSessionKey();
  const record: ApiKeyRecord = {
    id: newPortalSessionId(),
    accountId: link.accountId,
    keyHash: hashApiKey(key),
    prefix: key.slice(0, 10),
    scopes: portalScopes(link.readOnly),
    name: 'portal session',
    createdAt: now.toISOString(),
    expiresAt: link.sessionExpiresAt,
  };
  await deps.apiKeys.create(record);
  return { key, record, link };
}

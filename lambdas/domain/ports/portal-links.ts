import type { PortalLink } from '../portal.js';

/** What exchanging a link's token found (of concurrent exchanges of one link, one redeems it). */
export type PortalLinkRedemption =
  | { readonly outcome: 'redeemed'; readonly link: PortalLink }
  | { readonly outcome: 'used_or_expired' }
  | { readonly outcome: 'not_found' };

/** One-time portal links (docs/portal.md), by the hash of their token, in the config table. */
export interface PortalLinkRepository {
  create(link: PortalLink): Promise<void>;
  /**
   * Marks the link used, in one conditional write: only if it exists, is unused and has not expired
   * at `now`. Exactly one of concurrent callers gets `redeemed`.
   */
  redeem(tokenHash: string, now: Date): Promise<PortalLinkRedemption>;
}

/**
 * The portal page's Content-Security-Policy, one definition for CloudFront's response-headers policy
 * (lib/) and the local runtime's static server (lambdas/local/portal-site.ts): scripts and styles
 * from the portal's own origin only (no inline code), API calls to the portal's own origin and
 * `apiOrigin`, and framing only by `frameAncestors` (none by default: not framable).
 */
export function portalContentSecurityPolicy(
  apiOrigin: string,
  frameAncestors: readonly string[] = [],
): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    `connect-src 'self' ${apiOrigin}`,
    `frame-ancestors ${frameAncestors.length > 0 ? frameAncestors.join(' ') : "'none'"}`,
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

/**
 * An origin a platform may allow to frame the portal: `https://host[:port]`, nothing after it
 * (CSP's frame-ancestors takes origins; a path or a wildcard would widen or break it).
 */
export function isFrameAncestorOrigin(value: string): boolean {
  return /^https:\/\/[a-z0-9.-]+(:\d{1,5})?$/i.test(value);
}

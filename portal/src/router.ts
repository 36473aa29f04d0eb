import { useEffect, useState } from 'preact/hooks';

/**
 * Hash routes, so the static host needs no rewrites and a path never reaches a server log:
 * `#/webhooks`, `#/webhooks/new`, `#/webhooks/{id}`, `#/webhooks/{id}/edit`,
 * `#/webhooks/{id}/deliveries/{deliveryId}`, `#/usage`, `#/event-types`. The alert emails link to
 * `#/webhooks/{id}`.
 */
export type Route =
  | { readonly name: 'webhooks' }
  | { readonly name: 'new-webhook' }
  | { readonly name: 'webhook'; readonly id: string }
  | { readonly name: 'edit-webhook'; readonly id: string }
  | { readonly name: 'delivery'; readonly id: string; readonly deliveryId: string }
  | { readonly name: 'usage' }
  | { readonly name: 'event-types' }
  | { readonly name: 'not-found'; readonly path: string };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/webhooks';
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, third, fourth] = parts;
  if (first === 'webhooks') {
    if (parts.length === 1) return { name: 'webhooks' };
    if (second === 'new' && parts.length === 2) return { name: 'new-webhook' };
    if (second && parts.length === 2) return { name: 'webhook', id: second };
    if (second && third === 'edit' && parts.length === 3) return { name: 'edit-webhook', id: second };
    if (second && third === 'deliveries' && fourth && parts.length === 4)
      return { name: 'delivery', id: second, deliveryId: fourth };
  }
  if (first === 'usage' && parts.length === 1) return { name: 'usage' };
  if (first === 'event-types' && parts.length === 1) return { name: 'event-types' };
  return { name: 'not-found', path };
}

/** The href of a route, for links: `href('webhooks', id)` → `#/webhooks/{id}`. */
export const href = (...segments: string[]): string =>
  `#/${segments.map((segment) => encodeURIComponent(segment)).join('/')}`;

export function navigate(to: string): void {
  window.location.hash = to.startsWith('#') ? to.slice(1) : to;
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

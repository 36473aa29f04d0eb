import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { buildPortal, type PortalFile } from '../../portal/build.js';
import { portalContentSecurityPolicy } from '../../portal/security-headers.js';

/**
 * The customer portal, served by the local runtime at `$BASE/portal/` (docs/portal.md) as
 * CloudFront serves it in AWS: the same files (built in memory at first request, from portal/src),
 * the same Content-Security-Policy, and `config.json` naming the API, which locally is this origin.
 */
export const PORTAL_PATH = '/portal/';

export interface PortalSiteOptions {
  /** This server's origin, e.g. `http://127.0.0.1:3000`. */
  readonly baseUrl: string;
  /** Origins allowed to frame the portal. @default none (not framable) */
  readonly frameAncestors?: readonly string[];
}

export function withPortalSite(next: RequestListener, options: PortalSiteOptions): RequestListener {
  let built: Promise<Map<string, PortalFile>> | undefined;
  const files = () => {
    built ??= buildPortal().catch((error: unknown) => {
      built = undefined;
      throw error;
    });
    return built;
  };
  const csp = portalContentSecurityPolicy(options.baseUrl, options.frameAncestors);
  const headers = (contentType: string, length: number): Record<string, string | number> => ({
    'content-type': contentType,
    'content-length': length,
    'cache-control': 'no-cache',
    'content-security-policy': csp,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    ...((options.frameAncestors?.length ?? 0) === 0 ? { 'x-frame-options': 'DENY' } : {}),
  });
  const send = (request: IncomingMessage, response: ServerResponse, status: number, file: PortalFile) => {
    response.writeHead(status, headers(file.contentType, file.contents.byteLength));
    response.end(request.method === 'HEAD' ? undefined : file.contents);
  };
  const text = (body: string): PortalFile => ({
    contents: Buffer.from(body),
    contentType: 'text/plain; charset=utf-8',
  });

  return (request, response) => {
    const path = (request.url ?? '/').split('?')[0] ?? '/';
    if (path === '/portal') {
      response.writeHead(308, { location: PORTAL_PATH, 'content-length': 0 });
      response.end();
      return;
    }
    if (!path.startsWith(PORTAL_PATH)) {
      next(request, response);
      return;
    }
    request.resume();
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD', 'content-length': 0 });
      response.end();
      return;
    }
    const name = path.slice(PORTAL_PATH.length) || 'index.html';
    if (name === 'config.json') {
      const body = JSON.stringify({ api_url: options.baseUrl });
      send(request, response, 200, { contents: Buffer.from(body), contentType: 'application/json' });
      return;
    }
    files().then(
      (built) => {
        const file = built.get(name);
        send(request, response, file ? 200 : 404, file ?? text(`No portal file ${name}\n`));
      },
      (error: unknown) => send(request, response, 500, text(`The portal did not build: ${String(error)}\n`)),
    );
  };
}

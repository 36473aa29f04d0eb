import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestRuntime, type TestRuntime } from '../support/local-runtime.js';

/**
 * The local runtime serves the portal at /portal/ as CloudFront does in AWS (docs/portal.md): the
 * built files, the shared Content-Security-Policy, and config.json naming the API.
 */
describe('portal site (local)', () => {
  let runtime: TestRuntime;
  let framable: TestRuntime;

  beforeAll(async () => {
    runtime = await startTestRuntime();
    framable = await startTestRuntime({ portalFrameAncestors: ['https://app.example.com'] });
  });

  afterAll(async () => {
    await Promise.all([runtime?.dispose(), framable?.dispose()]);
  });

  it('serves the page with a CSP that allows only itself and the API, and no framing', async () => {
    // Act
    const response = await fetch(`${runtime.url}/portal/`);
    // Assess
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain(`connect-src 'self' ${runtime.url};`);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await response.text()).toContain('<div id="app"></div>');
  });

  it('serves the built script and stylesheet with their types', async () => {
    // Act
    const [script, style] = await Promise.all(
      ['app.js', 'app.css'].map((name) => fetch(`${runtime.url}/portal/${name}`)),
    );
    // Assess
    expect(script?.status).toBe(200);
    expect(script?.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect((await script?.text())?.length).toBeGreaterThan(1000);
    expect(style?.headers.get('content-type')).toBe('text/css; charset=utf-8');
  });

  it('names this origin as the API in config.json', async () => {
    // Act
    const response = await fetch(`${runtime.url}/portal/config.json`);
    // Assess
    expect(await response.json()).toEqual({ api_url: runtime.url });
  });

  it('redirects /portal to /portal/, so relative asset paths resolve', async () => {
    // Act
    const response = await fetch(`${runtime.url}/portal`, { redirect: 'manual' });
    // Assess
    expect(response.status).toBe(308);
    expect(response.headers.get('location')).toBe('/portal/');
  });

  it('answers 404 for a file it does not have and 405 for a write', async () => {
    // Act
    const missing = await fetch(`${runtime.url}/portal/%2e%2e/%2e%2e/etc/passwd`);
    const unknown = await fetch(`${runtime.url}/portal/secret.txt`);
    const write = await fetch(`${runtime.url}/portal/index.html`, { method: 'PUT', body: 'x' });
    // Assess
    expect([missing.status, unknown.status]).toEqual([404, 404]);
    expect(write.status).toBe(405);
    expect(write.headers.get('allow')).toBe('GET, HEAD');
  });

  it('lets the allowed origins frame it when the runtime is told to', async () => {
    // Act
    const response = await fetch(`${framable.url}/portal/`);
    // Assess
    expect(response.headers.get('content-security-policy')).toContain(
      'frame-ancestors https://app.example.com;',
    );
    expect(response.headers.get('x-frame-options')).toBeNull();
  });
});

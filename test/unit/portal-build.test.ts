import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildPortal, type PortalFile } from '../../portal/build.js';
import { isFrameAncestorOrigin, portalContentSecurityPolicy } from '../../portal/security-headers.js';

/** The portal's build (portal/build.ts): what the local runtime serves and CDK uploads. */
describe('portal build', () => {
  let files: Map<string, PortalFile>;

  beforeAll(async () => {
    files = await buildPortal();
  });

  it('writes the page, its script and its stylesheet', () => {
    // Assess
    expect([...files.keys()].sort()).toEqual(['app.css', 'app.js', 'index.html']);
    expect(files.get('app.js')?.contentType).toBe('text/javascript; charset=utf-8');
  });

  it('keeps the whole JavaScript within 100 KB gzipped', () => {
    // Act
    const gzipped = [...files]
      .filter(([name]) => name.endsWith('.js'))
      .reduce((total, [, file]) => total + gzipSync(file.contents, { level: 9 }).byteLength, 0);
    // Assess
    expect(gzipped).toBeGreaterThan(0);
    expect(gzipped).toBeLessThanOrEqual(100 * 1024);
  });

  it('loads its script and style from files, with no inline code the CSP would block', () => {
    // Prepare
    const html = Buffer.from(files.get('index.html')?.contents ?? []).toString('utf8');
    // Assess
    expect(html).toContain('<script type="module" src="./app.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="./app.css" />');
    expect(html).not.toMatch(/<script>|<style|\sstyle="|\son[a-z]+="/i);
  });
});

describe('portal Content-Security-Policy', () => {
  it('allows scripts, styles and API calls only from the portal and the API, and no framing by default', () => {
    // Act
    const csp = portalContentSecurityPolicy('https://api.example.com');
    // Assess
    expect(csp.split('; ')).toEqual([
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self' data:",
      "connect-src 'self' https://api.example.com",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ]);
  });

  it('lets the allowed origins frame the portal', () => {
    // Act
    const csp = portalContentSecurityPolicy('https://api.example.com', [
      'https://app.example.com',
      'https://b.example:8443',
    ]);
    // Assess
    expect(csp).toContain('frame-ancestors https://app.example.com https://b.example:8443;');
  });

  it.each([
    ['https://app.example.com', true],
    ['https://app.example.com:8443', true],
    ['http://app.example.com', false],
    ['https://app.example.com/', false],
    ['https://*.example.com', false],
    ["'self'", false],
    ['https://app.example.com; script-src *', false],
    ['*', false],
  ])('takes %s as a frame ancestor: %s', (value, allowed) => {
    expect(isFrameAncestorOrigin(value)).toBe(allowed);
  });
});

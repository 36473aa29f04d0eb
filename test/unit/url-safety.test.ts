import { describe, expect, it } from 'vitest';
import type { HostResolver } from '../../lambdas/domain/ports/outbound-http.js';
import {
  type AddressClass,
  checkResolvedAddresses,
  checkWebhookUrl,
  classifyAddress,
  isPublicAddress,
  type TargetPolicy,
  validateTargetUrl,
} from '../../lambdas/domain/url-safety.js';

const PRODUCTION: TargetPolicy = { allowHttp: false, allowPrivate: false };
const LOCAL_DEVELOPMENT: TargetPolicy = { allowHttp: true, allowPrivate: true };

/** A resolver answering from a fixed table; unknown names fail like ENOTFOUND. */
const resolverFor =
  (answers: Readonly<Record<string, string[]>>): HostResolver =>
  async (hostname) => {
    const addresses = answers[hostname];
    if (addresses === undefined) throw new Error(`getaddrinfo ENOTFOUND ${hostname}`);
    return addresses;
  };

describe('classifyAddress', () => {
  const cases: ReadonlyArray<readonly [string, AddressClass]> = [
    ['93.184.216.34', 'public'],
    ['8.8.8.8', 'public'],
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['10.1.2.3', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['100.128.0.1', 'public'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['172.32.0.1', 'public'],
    ['192.0.0.8', 'reserved'],
    ['192.0.2.1', 'documentation'],
    ['192.168.1.1', 'private'],
    ['198.18.0.1', 'benchmarking'],
    ['198.19.255.255', 'benchmarking'],
    ['198.51.100.7', 'documentation'],
    ['203.0.113.9', 'documentation'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.250', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'link-local'],
    ['::ffff:93.184.216.34', 'public'],
    ['::127.0.0.1', 'loopback'],
    ['::a00:1', 'private'],
    ['::5db8:d822', 'reserved'],
    ['64:ff9b::127.0.0.1', 'loopback'],
    ['64:ff9b::a00:5', 'private'],
    ['64:ff9b::93.184.216.34', 'public'],
    ['2002:7f00:1::', 'loopback'],
    ['2002:c0a8:101::1', 'private'],
    ['2002:5db8:d822::1', 'public'],
    // Teredo: client 127.0.0.1 is stored inverted as 80ff:fffe.
    ['2001:0:4136:e378:8000:63bf:80ff:fffe', 'loopback'],
    ['2001:0:4136:e378:8000:63bf:a247:2dcb', 'public'],
    ['fc00::1', 'unique-local'],
    ['fd00::1', 'unique-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['febf::1', 'link-local'],
    ['fec0::1', 'site-local'],
    ['ff02::1', 'multicast'],
    ['2001:db8::1', 'documentation'],
    ['2001:2::1', 'benchmarking'],
    ['100::1', 'reserved'],
    ['2606:2800:220:1:248:1893:25c8:1946', 'public'],
    ['2a00:1450:4001:82a::200e', 'public'],
    ['4000::1', 'reserved'],
    ['example.com', 'invalid'],
    ['', 'invalid'],
  ];

  it.each(cases)('classifies %s as %s', (address, expected) => {
    // Prepare: the table row.
    // Act
    const actual = classifyAddress(address);
    // Assess
    expect(actual).toBe(expected);
  });

  it('calls only public addresses public', () => {
    // Prepare
    const addresses = ['93.184.216.34', '127.0.0.1', '::ffff:7f00:1', 'fd00::1', 'not-an-ip'];
    // Act
    const verdicts = addresses.map(isPublicAddress);
    // Assess
    expect(verdicts).toEqual([true, false, false, false, false]);
  });
});

describe('checkWebhookUrl', () => {
  const refused: ReadonlyArray<readonly [string, string]> = [
    ['https://127.0.0.1/hook', 'loopback address (127.0.0.1)'],
    ['https://localhost/hook', 'not a public hostname (localhost)'],
    ['https://localhost./hook', 'not a public hostname'],
    ['https://api.localhost/hook', 'not a public hostname'],
    ['https://printer.local/hook', 'not a public hostname'],
    ['https://metadata.google.internal/hook', 'not a public hostname'],
    ['https://intranet/hook', 'not a public hostname (intranet)'],
    ['https://0.0.0.0/hook', 'unspecified address (0.0.0.0)'],
    ['https://[::1]/hook', 'loopback address (::1)'],
    ['https://[::ffff:127.0.0.1]/hook', 'loopback address (::ffff:7f00:1)'],
    ['https://[::]/hook', 'unspecified address'],
    ['https://10.1.2.3/hook', 'private address (10.1.2.3)'],
    ['https://172.16.0.1/hook', 'private address (172.16.0.1)'],
    ['https://192.168.1.1/hook', 'private address (192.168.1.1)'],
    ['https://169.254.169.254/latest/meta-data/', 'link-local address (169.254.169.254)'],
    ['https://[fd00::1]/hook', 'unique-local address (fd00::1)'],
    ['https://[fe80::1]/hook', 'link-local address'],
    ['https://100.64.0.1/hook', 'shared (carrier-grade NAT) address (100.64.0.1)'],
    ['https://2130706433/', 'loopback address (127.0.0.1)'],
    ['https://0x7f000001/', 'loopback address (127.0.0.1)'],
    ['https://0177.0.0.1/', 'loopback address (127.0.0.1)'],
    ['https://127.1/', 'loopback address (127.0.0.1)'],
    ['https://[64:ff9b::a00:1]/', 'private address'],
    ['https://224.0.0.1/', 'multicast address'],
    ['http://example.com/hook', 'URL must use https'],
    ['ftp://example.com/hook', 'URL must use https'],
    ['javascript:alert(1)', 'URL must use https'],
    ['/relative/path', 'valid absolute URL'],
    ['not a url', 'valid absolute URL'],
    ['https://user:pass@example.com/hook', 'username or password'],
    ['https://user@example.com/hook', 'username or password'],
    [`https://example.com/${'a'.repeat(2048)}`, 'at most 2048 characters'],
  ];

  it.each(refused)('refuses %s in production', (raw, reasonFragment) => {
    // Prepare: the table row.
    // Act
    const result = checkWebhookUrl(raw, PRODUCTION);
    // Assess
    expect(result.ok).toBe(false);
    expect(result.ok ? '' : result.reason).toContain(reasonFragment);
  });

  it('states the private address in the reason', () => {
    // Prepare
    const raw = 'https://10.0.0.1/hook';
    // Act
    const result = checkWebhookUrl(raw, PRODUCTION);
    // Assess
    expect(result).toEqual({ ok: false, reason: 'URL resolves to a private address (10.0.0.1)' });
  });

  it.each([
    'https://example.com/hook',
    'https://example.com:8443/hooks?tenant=1#fragment',
    'https://93.184.216.34/hook',
    'https://[2606:2800:220:1:248:1893:25c8:1946]/hook',
  ])('accepts %s', (raw) => {
    // Prepare: the table row.
    // Act
    const result = checkWebhookUrl(raw, PRODUCTION);
    // Assess
    expect(result.ok).toBe(true);
    expect(result.ok && result.url.href).toBe(new URL(raw).href);
  });

  it('accepts exactly 2048 characters', () => {
    // Prepare
    const prefix = 'https://example.com/';
    const raw = `${prefix}${'a'.repeat(2048 - prefix.length)}`;
    // Act
    const result = checkWebhookUrl(raw, PRODUCTION);
    // Assess
    expect(raw).toHaveLength(2048);
    expect(result.ok).toBe(true);
  });

  it('accepts plain http only when the policy allows it', () => {
    // Prepare
    const raw = 'http://example.com/hook';
    // Act
    const withoutHttp = checkWebhookUrl(raw, PRODUCTION);
    const withHttp = checkWebhookUrl(raw, { allowHttp: true, allowPrivate: false });
    // Assess
    expect(withoutHttp).toEqual({ ok: false, reason: 'URL must use https' });
    expect(withHttp.ok).toBe(true);
  });

  it('lets loopback and single-label hosts through when private targets are allowed', () => {
    // Prepare
    const targets = ['http://127.0.0.1:8080/hook', 'http://localhost:3000/hook', 'http://receiver/hook'];
    // Act
    const results = targets.map((raw) => checkWebhookUrl(raw, LOCAL_DEVELOPMENT));
    // Assess
    expect(results.map((result) => result.ok)).toEqual([true, true, true]);
  });

  it('still refuses credentials when private targets are allowed', () => {
    // Prepare
    const raw = 'http://user:secret@127.0.0.1/hook';
    // Act
    const result = checkWebhookUrl(raw, LOCAL_DEVELOPMENT);
    // Assess
    expect(result.ok).toBe(false);
  });
});

describe('checkResolvedAddresses', () => {
  it('accepts a list of public addresses', () => {
    // Prepare
    const addresses = ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'];
    // Act
    const result = checkResolvedAddresses(addresses, PRODUCTION);
    // Assess
    expect(result).toEqual({ ok: true });
  });

  it('refuses when any one address is not public', () => {
    // Prepare
    const addresses = ['93.184.216.34', '10.0.0.5'];
    // Act
    const result = checkResolvedAddresses(addresses, PRODUCTION);
    // Assess
    expect(result).toEqual({ ok: false, reason: 'URL resolves to a private address (10.0.0.5)' });
  });

  it('refuses an empty answer even when private targets are allowed', () => {
    // Prepare
    const addresses: string[] = [];
    // Act
    const result = checkResolvedAddresses(addresses, LOCAL_DEVELOPMENT);
    // Assess
    expect(result.ok).toBe(false);
  });

  it('accepts loopback when private targets are allowed', () => {
    // Prepare
    const addresses = ['127.0.0.1', '::1'];
    // Act
    const result = checkResolvedAddresses(addresses, LOCAL_DEVELOPMENT);
    // Assess
    expect(result).toEqual({ ok: true });
  });
});

describe('validateTargetUrl', () => {
  it('accepts a host that resolves to a public address', async () => {
    // Prepare
    const resolve = resolverFor({ 'example.com': ['93.184.216.34'] });
    // Act
    const result = await validateTargetUrl('https://example.com/hook', PRODUCTION, resolve);
    // Assess
    expect(result.ok).toBe(true);
    expect(result.ok && result.url.hostname).toBe('example.com');
  });

  it('refuses a host that resolves to a private address', async () => {
    // Prepare
    const resolve = resolverFor({ 'sneaky.example': ['10.0.0.5'] });
    // Act
    const result = await validateTargetUrl('https://sneaky.example/hook', PRODUCTION, resolve);
    // Assess
    expect(result).toEqual({ ok: false, reason: 'URL resolves to a private address (10.0.0.5)' });
  });

  it('refuses a host that resolves to an IPv4-mapped loopback address', async () => {
    // Prepare
    const resolve = resolverFor({ 'mapped.example': ['::ffff:127.0.0.1'] });
    // Act
    const result = await validateTargetUrl('https://mapped.example/hook', PRODUCTION, resolve);
    // Assess
    expect(result.ok).toBe(false);
  });

  it('refuses a host that cannot be resolved', async () => {
    // Prepare
    const resolve = resolverFor({});
    // Act
    const result = await validateTargetUrl('https://nowhere.example/hook', PRODUCTION, resolve);
    // Assess
    expect(result).toEqual({ ok: false, reason: 'URL host could not be resolved' });
  });

  it('reports the syntax problem without resolving', async () => {
    // Prepare
    const lookedUp: string[] = [];
    const resolve: HostResolver = async (hostname) => {
      lookedUp.push(hostname);
      return ['93.184.216.34'];
    };
    // Act
    const result = await validateTargetUrl('http://example.com/hook', PRODUCTION, resolve);
    // Assess
    expect(result).toEqual({ ok: false, reason: 'URL must use https' });
    expect(lookedUp).toEqual([]);
  });

  it('does not resolve an IP literal', async () => {
    // Prepare
    const lookedUp: string[] = [];
    const resolve: HostResolver = async (hostname) => {
      lookedUp.push(hostname);
      return ['10.0.0.1'];
    };
    // Act
    const result = await validateTargetUrl('https://93.184.216.34/hook', PRODUCTION, resolve);
    // Assess
    expect(result.ok).toBe(true);
    expect(lookedUp).toEqual([]);
  });

  it('skips resolution and lets loopback through when private targets are allowed', async () => {
    // Prepare
    const resolve = resolverFor({});
    // Act
    const literal = await validateTargetUrl('http://127.0.0.1:4000/hook', LOCAL_DEVELOPMENT, resolve);
    const named = await validateTargetUrl('http://receiver.local:4000/hook', LOCAL_DEVELOPMENT, resolve);
    // Assess
    expect(literal.ok).toBe(true);
    expect(named.ok).toBe(true);
  });
});

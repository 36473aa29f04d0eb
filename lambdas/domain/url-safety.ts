/**
 * Where webhooks may be sent. A customer-supplied URL must never make the service talk to itself,
 * its VPC, the instance metadata endpoint (169.254.169.254) or any other non-public address, in any
 * spelling. The syntax check runs when an endpoint is saved; the address check runs again at
 * connect time in the HTTP sender (DNS rebinding).
 */
import { isIP } from 'node:net';
import type { HostResolver } from './ports/outbound-http.js';

export type AddressClass =
  | 'public'
  | 'loopback'
  | 'private'
  | 'link-local'
  | 'site-local'
  | 'multicast'
  | 'unspecified'
  | 'broadcast'
  | 'shared'
  | 'benchmarking'
  | 'documentation'
  | 'reserved'
  | 'unique-local'
  /** Not an IP address at all. */
  | 'invalid';

export interface TargetPolicy {
  /** Plain http targets (local development, tests). */
  readonly allowHttp: boolean;
  /** Loopback/private/... targets and single-label hosts (local development only). */
  readonly allowPrivate: boolean;
}

export const MAX_URL_LENGTH = 2048;

export type UrlCheck = { ok: true; url: URL } | { ok: false; reason: string };
export type AddressCheck = { ok: true } | { ok: false; reason: string };

interface Ipv4Range {
  readonly base: number;
  readonly prefixLength: number;
  readonly addressClass: AddressClass;
}

const ipv4 = (dotted: string): number =>
  dotted.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);

/**
 * IANA special-purpose IPv4 registry entries that are not globally reachable. (The top-level
 * parses here and below are marked pure, so bundles that import this module without using it, such
 * as the escalation function's through lambdas/composition.ts, drop them.)
 */
const IPV4_RANGES: readonly Ipv4Range[] = [
  { base: /* @__PURE__ */ ipv4('255.255.255.255'), prefixLength: 32, addressClass: 'broadcast' },
  { base: /* @__PURE__ */ ipv4('0.0.0.0'), prefixLength: 8, addressClass: 'unspecified' },
  { base: /* @__PURE__ */ ipv4('10.0.0.0'), prefixLength: 8, addressClass: 'private' },
  { base: /* @__PURE__ */ ipv4('100.64.0.0'), prefixLength: 10, addressClass: 'shared' },
  { base: /* @__PURE__ */ ipv4('127.0.0.0'), prefixLength: 8, addressClass: 'loopback' },
  { base: /* @__PURE__ */ ipv4('169.254.0.0'), prefixLength: 16, addressClass: 'link-local' },
  { base: /* @__PURE__ */ ipv4('172.16.0.0'), prefixLength: 12, addressClass: 'private' },
  { base: /* @__PURE__ */ ipv4('192.0.0.0'), prefixLength: 24, addressClass: 'reserved' },
  { base: /* @__PURE__ */ ipv4('192.0.2.0'), prefixLength: 24, addressClass: 'documentation' },
  // Deprecated 6to4 relay anycast.
  { base: /* @__PURE__ */ ipv4('192.88.99.0'), prefixLength: 24, addressClass: 'reserved' },
  { base: /* @__PURE__ */ ipv4('192.168.0.0'), prefixLength: 16, addressClass: 'private' },
  { base: /* @__PURE__ */ ipv4('198.18.0.0'), prefixLength: 15, addressClass: 'benchmarking' },
  { base: /* @__PURE__ */ ipv4('198.51.100.0'), prefixLength: 24, addressClass: 'documentation' },
  { base: /* @__PURE__ */ ipv4('203.0.113.0'), prefixLength: 24, addressClass: 'documentation' },
  { base: /* @__PURE__ */ ipv4('224.0.0.0'), prefixLength: 4, addressClass: 'multicast' },
  { base: /* @__PURE__ */ ipv4('240.0.0.0'), prefixLength: 4, addressClass: 'reserved' },
];

const inIpv4Range = (address: number, range: Ipv4Range): boolean => {
  const blockSize = 2 ** (32 - range.prefixLength);
  return Math.floor(address / blockSize) === Math.floor(range.base / blockSize);
};

const classifyIpv4Number = (address: number): AddressClass =>
  IPV4_RANGES.find((range) => inIpv4Range(address, range))?.addressClass ?? 'public';

/** Parses a textual IPv6 address (already validated by isIP) into a 128-bit integer. */
const parseIpv6 = (text: string): bigint => {
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  // A dotted IPv4 tail (::ffff:127.0.0.1) stands for the last two groups.
  const hexText = tail.includes('.')
    ? `${text.slice(0, lastColon + 1)}${(ipv4(tail) >>> 16).toString(16)}:${(ipv4(tail) & 0xffff).toString(16)}`
    : text;
  const parseGroups = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((group) => Number.parseInt(group, 16));
  const [head = '', rest] = hexText.split('::');
  const headGroups = parseGroups(head);
  const restGroups = rest === undefined ? [] : parseGroups(rest);
  const zeroGroups = new Array<number>(8 - headGroups.length - restGroups.length).fill(0);
  return [...headGroups, ...zeroGroups, ...restGroups].reduce(
    (value, group) => (value << 16n) | BigInt(group),
    0n,
  );
};

const inIpv6Prefix = (address: bigint, base: bigint, prefixLength: number): boolean => {
  const shift = BigInt(128 - prefixLength);
  return address >> shift === base >> shift;
};

/** An IPv4 address carried inside an IPv6 one: 32 bits starting `fromBit` bits from the right. */
const embeddedIpv4 = (address: bigint, fromBit: number): number =>
  Number((address >> BigInt(fromBit)) & 0xffffffffn);

const IPV6_NAT64 = /* @__PURE__ */ parseIpv6('64:ff9b::');
const IPV6_NAT64_LOCAL = /* @__PURE__ */ parseIpv6('64:ff9b:1::');
const IPV6_MAPPED = /* @__PURE__ */ parseIpv6('::ffff:0:0');
const IPV6_TRANSLATED = /* @__PURE__ */ parseIpv6('::ffff:0:0:0');
const IPV6_DISCARD = /* @__PURE__ */ parseIpv6('100::');
const IPV6_TEREDO = /* @__PURE__ */ parseIpv6('2001::');
const IPV6_BENCHMARKING = /* @__PURE__ */ parseIpv6('2001:2::');
const IPV6_ORCHID = /* @__PURE__ */ parseIpv6('2001:10::');
const IPV6_ORCHID_V2 = /* @__PURE__ */ parseIpv6('2001:20::');
const IPV6_DOCUMENTATION = /* @__PURE__ */ parseIpv6('2001:db8::');
const IPV6_DOCUMENTATION_2024 = /* @__PURE__ */ parseIpv6('3fff::');
const IPV6_6TO4 = /* @__PURE__ */ parseIpv6('2002::');
const IPV6_GLOBAL_UNICAST = /* @__PURE__ */ parseIpv6('2000::');
const IPV6_UNIQUE_LOCAL = /* @__PURE__ */ parseIpv6('fc00::');
const IPV6_LINK_LOCAL = /* @__PURE__ */ parseIpv6('fe80::');
const IPV6_SITE_LOCAL = /* @__PURE__ */ parseIpv6('fec0::');
const IPV6_MULTICAST = /* @__PURE__ */ parseIpv6('ff00::');

/** A public embedded IPv4 keeps the IPv6 form's own verdict; a non-public one wins. */
const unlessEmbeddedIsNonPublic = (embedded: number, otherwise: AddressClass): AddressClass => {
  const embeddedClass = classifyIpv4Number(embedded);
  return embeddedClass === 'public' ? otherwise : embeddedClass;
};

const classifyIpv6Number = (address: bigint): AddressClass => {
  if (address === 0n) return 'unspecified';
  if (address === 1n) return 'loopback';
  // IPv4-mapped (::ffff:a.b.c.d) and SIIT-translated (::ffff:0:a.b.c.d) reach the IPv4 host itself.
  if (inIpv6Prefix(address, IPV6_MAPPED, 96) || inIpv6Prefix(address, IPV6_TRANSLATED, 96)) {
    return classifyIpv4Number(embeddedIpv4(address, 0));
  }
  // Deprecated IPv4-compatible (::a.b.c.d): nothing legitimate lives there.
  if (inIpv6Prefix(address, 0n, 96)) return unlessEmbeddedIsNonPublic(embeddedIpv4(address, 0), 'reserved');
  // Well-known NAT64 prefix: a gateway forwards to the embedded IPv4 address.
  if (inIpv6Prefix(address, IPV6_NAT64, 96)) return classifyIpv4Number(embeddedIpv4(address, 0));
  if (inIpv6Prefix(address, IPV6_NAT64_LOCAL, 48)) return 'private';
  if (inIpv6Prefix(address, IPV6_DISCARD, 64)) return 'reserved';
  // Teredo: the client's IPv4 address is the last 32 bits, inverted.
  if (inIpv6Prefix(address, IPV6_TEREDO, 32)) {
    return unlessEmbeddedIsNonPublic(~embeddedIpv4(address, 0) >>> 0, 'public');
  }
  if (inIpv6Prefix(address, IPV6_BENCHMARKING, 48)) return 'benchmarking';
  if (inIpv6Prefix(address, IPV6_ORCHID, 28) || inIpv6Prefix(address, IPV6_ORCHID_V2, 28)) return 'reserved';
  if (inIpv6Prefix(address, IPV6_DOCUMENTATION, 32)) return 'documentation';
  if (inIpv6Prefix(address, IPV6_DOCUMENTATION_2024, 20)) return 'documentation';
  // 6to4: bits 16..47 are the IPv4 address of the tunnel end.
  if (inIpv6Prefix(address, IPV6_6TO4, 16))
    return unlessEmbeddedIsNonPublic(embeddedIpv4(address, 80), 'public');
  if (inIpv6Prefix(address, IPV6_GLOBAL_UNICAST, 3)) return 'public';
  if (inIpv6Prefix(address, IPV6_UNIQUE_LOCAL, 7)) return 'unique-local';
  if (inIpv6Prefix(address, IPV6_LINK_LOCAL, 10)) return 'link-local';
  if (inIpv6Prefix(address, IPV6_SITE_LOCAL, 10)) return 'site-local';
  if (inIpv6Prefix(address, IPV6_MULTICAST, 8)) return 'multicast';
  // Everything outside 2000::/3 not listed above is unassigned.
  return 'reserved';
};

/** Accepts `[v6]` as URL.hostname spells it and drops a zone id (`fe80::1%eth0`). */
const bareAddress = (address: string): string => {
  const unbracketed = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const zoneStart = unbracketed.indexOf('%');
  return zoneStart === -1 ? unbracketed : unbracketed.slice(0, zoneStart);
};

export function classifyAddress(address: string): AddressClass {
  const bare = bareAddress(address);
  switch (isIP(bare)) {
    case 4:
      return classifyIpv4Number(ipv4(bare));
    case 6:
      return classifyIpv6Number(parseIpv6(bare.toLowerCase()));
    default:
      return 'invalid';
  }
}

export function isPublicAddress(address: string): boolean {
  return classifyAddress(address) === 'public';
}

const ADDRESS_CLASS_PHRASES: Readonly<Record<Exclude<AddressClass, 'public'>, string>> = {
  loopback: 'a loopback',
  private: 'a private',
  'link-local': 'a link-local',
  'site-local': 'a site-local',
  multicast: 'a multicast',
  unspecified: 'an unspecified',
  broadcast: 'a broadcast',
  shared: 'a shared (carrier-grade NAT)',
  benchmarking: 'a benchmarking',
  documentation: 'a documentation',
  reserved: 'a reserved',
  'unique-local': 'a unique-local',
  invalid: 'an invalid',
};

const nonPublicReason = (address: string, addressClass: Exclude<AddressClass, 'public'>): string =>
  `URL resolves to ${ADDRESS_CLASS_PHRASES[addressClass]} address (${address})`;

/** The bare IP address when the URL's host is an IP literal, else undefined. */
export function ipLiteralHost(url: URL): string | undefined {
  const bare = bareAddress(url.hostname);
  return isIP(bare) === 0 ? undefined : bare;
}

/** Names that only ever mean "this machine" or "this network". */
const isInternalHostname = (hostname: string): boolean => {
  const name = hostname.endsWith('.') ? hostname.slice(0, -1) : hostname;
  return (
    !name.includes('.') ||
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name.endsWith('.local') ||
    name.endsWith('.internal') ||
    name === 'home.arpa' ||
    name.endsWith('.home.arpa')
  );
};

export function checkWebhookUrl(raw: string, policy: TargetPolicy): UrlCheck {
  if (raw.length > MAX_URL_LENGTH)
    return { ok: false, reason: `URL must be at most ${MAX_URL_LENGTH} characters` };
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return { ok: false, reason: 'URL must be a valid absolute URL' };
  }
  if (url.protocol !== 'https:' && !(policy.allowHttp && url.protocol === 'http:')) {
    return { ok: false, reason: policy.allowHttp ? 'URL must use http or https' : 'URL must use https' };
  }
  if (url.username !== '' || url.password !== '') {
    return { ok: false, reason: 'URL must not contain a username or password' };
  }
  if (url.hostname === '') return { ok: false, reason: 'URL must have a host' };
  if (policy.allowPrivate) return { ok: true, url };

  const literal = ipLiteralHost(url);
  if (literal !== undefined) {
    const addressClass = classifyAddress(literal);
    return addressClass === 'public'
      ? { ok: true, url }
      : { ok: false, reason: nonPublicReason(literal, addressClass) };
  }
  if (isInternalHostname(url.hostname)) {
    return { ok: false, reason: `URL host is not a public hostname (${url.hostname})` };
  }
  return { ok: true, url };
}

export function checkResolvedAddresses(addresses: readonly string[], policy: TargetPolicy): AddressCheck {
  if (addresses.length === 0) return { ok: false, reason: 'URL host did not resolve to any address' };
  if (policy.allowPrivate) return { ok: true };
  for (const address of addresses) {
    const addressClass = classifyAddress(address);
    if (addressClass !== 'public') return { ok: false, reason: nonPublicReason(address, addressClass) };
  }
  return { ok: true };
}

/**
 * The full check for a URL a customer submits: syntax, then every address its host resolves to.
 * Resolution is skipped when private targets are allowed (local development).
 */
export async function validateTargetUrl(
  raw: string,
  policy: TargetPolicy,
  resolve: HostResolver,
): Promise<UrlCheck> {
  const syntax = checkWebhookUrl(raw, policy);
  if (!syntax.ok || policy.allowPrivate || ipLiteralHost(syntax.url) !== undefined) return syntax;
  let addresses: string[];
  try {
    addresses = await resolve(syntax.url.hostname);
  } catch {
    return { ok: false, reason: 'URL host could not be resolved' };
  }
  const resolved = checkResolvedAddresses(addresses, policy);
  return resolved.ok ? syntax : resolved;
}

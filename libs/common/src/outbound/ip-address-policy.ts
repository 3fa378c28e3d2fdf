import { isIPv4, isIPv6 } from 'node:net';

/**
 * SSRF address policy: which IP addresses the outbound client may connect to
 * when private networks are not allowed.
 *
 * IPv4: everything except the special-purpose ranges below (IANA IPv4
 * special-purpose registry + cloud metadata).
 * IPv6: only global unicast (2000::/3), minus the special ranges inside it;
 * addresses that embed an IPv4 address (IPv4-mapped ::ffff:0:0/96, NAT64
 * 64:ff9b::/96, 6to4 2002::/16) are judged by the embedded IPv4 address.
 *
 * No dependency: addresses are validated by node:net before being parsed here.
 */

interface Rule {
  network: bigint;
  prefix: number;
  reason: string;
}

const IPV4_RULES: Rule[] = [
  v4('169.254.169.254', 32, 'a cloud metadata address'),
  v4('169.254.170.2', 32, 'a cloud metadata address'),
  v4('100.100.100.200', 32, 'a cloud metadata address'),
  v4('192.0.0.192', 32, 'a cloud metadata address'),
  v4('0.0.0.0', 32, 'the unspecified address'),
  v4('255.255.255.255', 32, 'the broadcast address'),
  v4('0.0.0.0', 8, 'a reserved ("this network") address'),
  v4('10.0.0.0', 8, 'a private address'),
  v4('172.16.0.0', 12, 'a private address'),
  v4('192.168.0.0', 16, 'a private address'),
  v4('127.0.0.0', 8, 'a loopback address'),
  v4('169.254.0.0', 16, 'a link-local address'),
  v4('100.64.0.0', 10, 'a carrier-grade NAT (shared) address'),
  v4('192.0.0.0', 24, 'a reserved (IETF protocol assignment) address'),
  v4('192.0.2.0', 24, 'a reserved (documentation) address'),
  v4('198.51.100.0', 24, 'a reserved (documentation) address'),
  v4('203.0.113.0', 24, 'a reserved (documentation) address'),
  v4('192.88.99.0', 24, 'a reserved (6to4 relay anycast) address'),
  v4('198.18.0.0', 15, 'a reserved (benchmarking) address'),
  v4('224.0.0.0', 4, 'a multicast address'),
  v4('240.0.0.0', 4, 'a reserved address'),
];

/** Ranges that embed an IPv4 address: [rule, bit offset of the IPv4 address from the left]. */
const IPV6_EMBEDDING: Array<{ rule: Rule; offset: number }> = [
  { rule: v6('::ffff:0:0', 96, 'an IPv4-mapped IPv6 address'), offset: 96 },
  { rule: v6('64:ff9b::', 96, 'a NAT64 IPv6 address'), offset: 96 },
  { rule: v6('2002::', 16, 'a 6to4 IPv6 address'), offset: 16 },
];

const IPV6_RULES: Rule[] = [
  v6('::', 128, 'the unspecified address'),
  v6('::1', 128, 'a loopback address'),
  v6('fd00:ec2::254', 128, 'a cloud metadata address'),
  v6('fc00::', 7, 'a private (unique local) address'),
  v6('fe80::', 10, 'a link-local address'),
  v6('fec0::', 10, 'a site-local address'),
  v6('ff00::', 8, 'a multicast address'),
  v6('2001::', 32, 'a reserved (Teredo) address'),
  v6('2001:db8::', 32, 'a reserved (documentation) address'),
  v6('3fff::', 20, 'a reserved (documentation) address'),
  v6('2001::', 23, 'a reserved (IETF protocol assignment) address'),
];

const IPV6_GLOBAL_UNICAST = v6('2000::', 3, '');

/**
 * Returns why `address` must not be connected to (e.g. "a loopback address"),
 * or null when it is a public address. Anything that is not a valid IP
 * address is refused.
 */
export function forbiddenAddressReason(address: string): string | null {
  if (isIPv4(address)) return ipv4Reason(parseIPv4(address));
  const zone = address.indexOf('%');
  const bare = zone === -1 ? address : address.slice(0, zone);
  if (isIPv6(bare)) {
    // A zone index (fe80::1%eth0) only makes sense for scoped (non-global) addresses.
    const reason = ipv6Reason(parseIPv6(bare));
    return reason ?? (zone === -1 ? null : 'a scoped address');
  }
  return 'not an IP address';
}

function ipv4Reason(value: bigint): string | null {
  for (const rule of IPV4_RULES) if (matches(value, 32, rule)) return rule.reason;
  return null;
}

function ipv6Reason(value: bigint): string | null {
  for (const { rule, offset } of IPV6_EMBEDDING) {
    if (!matches(value, 128, rule)) continue;
    const embedded = (value >> BigInt(128 - offset - 32)) & 0xffffffffn;
    const inner = ipv4Reason(embedded);
    return inner ? `${rule.reason} of ${formatIPv4(embedded)}, which is ${inner}` : null;
  }
  for (const rule of IPV6_RULES) if (matches(value, 128, rule)) return rule.reason;
  if (!matches(value, 128, IPV6_GLOBAL_UNICAST)) return 'a reserved IPv6 address (not global unicast)';
  return null;
}

function matches(value: bigint, bits: number, rule: Rule): boolean {
  const shift = BigInt(bits - rule.prefix);
  return value >> shift === rule.network >> shift;
}

function v4(address: string, prefix: number, reason: string): Rule {
  return { network: parseIPv4(address), prefix, reason };
}

function v6(address: string, prefix: number, reason: string): Rule {
  return { network: parseIPv6(address), prefix, reason };
}

/** Caller guarantees net.isIPv4(address). */
function parseIPv4(address: string): bigint {
  return address.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function formatIPv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((value >> s) & 0xffn)).join('.');
}

/** Caller guarantees net.isIPv6(address) (no zone index). */
function parseIPv6(address: string): bigint {
  let text = address;
  // Trailing dotted quad (::ffff:127.0.0.1) -> two hex groups.
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const v = parseIPv4(tail);
    text = `${text.slice(0, lastColon + 1)}${(v >> 16n).toString(16)}:${(v & 0xffffn).toString(16)}`;
  }
  let groups: string[];
  const gap = text.indexOf('::');
  if (gap === -1) {
    groups = text.split(':');
  } else {
    const head = text.slice(0, gap) ? text.slice(0, gap).split(':') : [];
    const rest = text.slice(gap + 2) ? text.slice(gap + 2).split(':') : [];
    groups = [...head, ...Array<string>(8 - head.length - rest.length).fill('0'), ...rest];
  }
  if (groups.length !== 8) throw new Error('invalid IPv6 address');
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

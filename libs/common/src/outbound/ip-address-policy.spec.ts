import { forbiddenAddressReason } from './ip-address-policy';

describe('forbiddenAddressReason', () => {
  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.255.254', 'a loopback address'],
    ['10.0.0.1', 'a private address'],
    ['172.16.0.1', 'a private address'],
    ['172.31.255.255', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['169.254.169.254', 'a cloud metadata address'],
    ['169.254.170.2', 'a cloud metadata address'],
    ['100.100.100.200', 'a cloud metadata address'],
    ['169.254.1.1', 'a link-local address'],
    ['100.64.0.1', 'a carrier-grade NAT (shared) address'],
    ['100.127.255.255', 'a carrier-grade NAT (shared) address'],
    ['0.0.0.0', 'the unspecified address'],
    ['0.1.2.3', 'a reserved ("this network") address'],
    ['224.0.0.1', 'a multicast address'],
    ['239.255.255.250', 'a multicast address'],
    ['255.255.255.255', 'the broadcast address'],
    ['240.0.0.1', 'a reserved address'],
    ['192.0.2.1', 'a reserved (documentation) address'],
    ['198.18.0.1', 'a reserved (benchmarking) address'],
    ['::', 'the unspecified address'],
    ['::1', 'a loopback address'],
    ['fd00:ec2::254', 'a cloud metadata address'],
    ['fc00::1', 'a private (unique local) address'],
    ['fdff:ffff::1', 'a private (unique local) address'],
    ['fe80::1', 'a link-local address'],
    ['fe80::1%eth0', 'a link-local address'],
    ['febf::1', 'a link-local address'],
    ['fec0::1', 'a site-local address'],
    ['ff02::1', 'a multicast address'],
    ['2001:db8::1', 'a reserved (documentation) address'],
    ['2001::1', 'a reserved (Teredo) address'],
    ['::ffff:127.0.0.1', 'an IPv4-mapped IPv6 address of 127.0.0.1, which is a loopback address'],
    ['::ffff:7f00:1', 'an IPv4-mapped IPv6 address of 127.0.0.1, which is a loopback address'],
    ['::FFFF:A9FE:A9FE', 'an IPv4-mapped IPv6 address of 169.254.169.254, which is a cloud metadata address'],
    ['::ffff:10.0.0.1', 'an IPv4-mapped IPv6 address of 10.0.0.1, which is a private address'],
    ['::ffff:0.0.0.0', 'an IPv4-mapped IPv6 address of 0.0.0.0, which is the unspecified address'],
    ['64:ff9b::127.0.0.1', 'a NAT64 IPv6 address of 127.0.0.1, which is a loopback address'],
    ['64:ff9b::a9fe:a9fe', 'a NAT64 IPv6 address of 169.254.169.254, which is a cloud metadata address'],
    ['2002:7f00:1::1', 'a 6to4 IPv6 address of 127.0.0.1, which is a loopback address'],
    ['2002:c0a8:101::', 'a 6to4 IPv6 address of 192.168.1.1, which is a private address'],
    ['::127.0.0.1', 'a reserved IPv6 address (not global unicast)'], // IPv4-compatible (deprecated)
    ['::ffff:0:127.0.0.1', 'a reserved IPv6 address (not global unicast)'], // IPv4-translated
    ['64:ff9b:1::1', 'a reserved IPv6 address (not global unicast)'], // local-use NAT64
    ['100::1', 'a reserved IPv6 address (not global unicast)'], // discard-only
    ['2001:4860::1%eth0', 'a scoped address'],
    ['localhost', 'not an IP address'],
    ['127.1', 'not an IP address'],
    ['', 'not an IP address'],
  ])('refuses %s (%s)', (address, reason) => {
    expect(forbiddenAddressReason(address)).toBe(reason);
  });

  it.each([
    '93.184.215.14',
    '8.8.8.8',
    '1.1.1.1',
    '11.0.0.1',
    '172.32.0.1',
    '100.128.0.1',
    '169.255.0.1',
    '223.255.255.255',
    '2606:2800:21f:cb07:6820:80da:af6b:8b2c',
    '2001:4860:4860::8888',
    '::ffff:93.184.215.14', // IPv4-mapped form of a public address
    '64:ff9b::808:808', // NAT64 (DNS64 networks) of a public address
    '2002:808:808::1', // 6to4 of a public address
  ])('allows %s', (address) => {
    expect(forbiddenAddressReason(address)).toBeNull();
  });
});

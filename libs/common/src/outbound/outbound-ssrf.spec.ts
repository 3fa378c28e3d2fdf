import * as http from 'node:http';
import type { LookupAddress } from 'node:dns';
import { OutboundError } from './outbound-errors';
import { connectAttempts, expectOutboundError, makeClient, startServer, useLoopbackOnly } from '../../../../test/support/outbound-kit';

/*
 * Real HTTP servers on 127.0.0.1 (port 0). No test may send traffic anywhere
 * else: refusals must happen before connecting, and a safety net (useLoopbackOnly)
 * makes any socket connect to a non-loopback IP literal throw.
 */
useLoopbackOnly();

const REFUSED: Array<[string, RegExp]> = [
  ['http://127.0.0.1', /^refused: 127\.0\.0\.1 is a loopback address$/],
  ['http://localhost', /^refused: localhost is a loopback host name$/],
  ['http://[::1]', /^refused: ::1 is a loopback address$/],
  ['http://[::ffff:127.0.0.1]', /IPv4-mapped IPv6 address of 127\.0\.0\.1, which is a loopback address/],
  ['http://169.254.169.254/latest/meta-data/', /^refused: 169\.254\.169\.254 is a cloud metadata address$/],
  ['http://[fd00:ec2::254]', /cloud metadata address/],
  ['http://100.100.100.200', /cloud metadata address/],
  ['http://10.0.0.1', /^refused: 10\.0\.0\.1 is a private address$/],
  ['http://192.168.0.10:8080', /private address/],
  ['http://0.0.0.0', /^refused: 0\.0\.0\.0 is the unspecified address$/],
  ['http://[::]', /unspecified address/],
  ['http://100.64.1.1', /carrier-grade NAT/],
  ['http://[fe80::1]', /link-local/],
  ['http://2130706433', /127\.0\.0\.1 is a loopback address/], // decimal IPv4 form
  ['http://0x7f.1', /127\.0\.0\.1 is a loopback address/], // hex/short IPv4 form
  ['https://api.localhost', /loopback host name/],
  ['file:///etc/passwd', /^refused: the file scheme is not allowed \(only http and https\)$/],
  ['ftp://x', /the ftp scheme is not allowed/],
  ['gopher://x', /the gopher scheme is not allowed/],
  ['http://user:hunter2@93.184.215.14', /^refused: URLs with embedded credentials are not allowed$/],
];

describe('SSRF rules (allowPrivateNetworks = false)', () => {
  it.each(REFUSED)('request() refuses %s before connecting', async (url, message) => {
    const client = makeClient({ allowPrivateNetworks: false });
    const err = await expectOutboundError(client.request({ url, body: 'x' }), 'URL_REFUSED', message);
    expect(err.message).not.toContain('hunter2');
    expect(connectAttempts).toEqual([]);
  });

  it.each(REFUSED)('assertUrlAllowed() refuses %s', async (url, message) => {
    const client = makeClient({ allowPrivateNetworks: false });
    await expectOutboundError(client.assertUrlAllowed(url), 'URL_REFUSED', message);
    expect(connectAttempts).toEqual([]);
  });

  it('refuses a real loopback server, which sees no connection', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    const client = makeClient({ allowPrivateNetworks: false });
    await expectOutboundError(client.request({ url: server.origin }), 'URL_REFUSED');
    await expectOutboundError(client.request({ url: `http://localhost:${server.port}/` }), 'URL_REFUSED');
    await expectOutboundError(client.request({ url: `http://[::ffff:7f00:1]:${server.port}/` }), 'URL_REFUSED');
    expect(server.connections).toBe(0);
  });

  it('INVALID_URL for a URL that cannot be parsed', async () => {
    const client = makeClient({ allowPrivateNetworks: false });
    await expectOutboundError(client.request({ url: 'not a url' }), 'INVALID_URL');
    await expectOutboundError(client.assertUrlAllowed('http://'), 'INVALID_URL');
  });

  it('assertUrlAllowed accepts public literals without resolving or connecting', async () => {
    const resolveHost = jest.fn(async (): Promise<LookupAddress[]> => []);
    const client = makeClient({ allowPrivateNetworks: false, resolveHost });
    await expect(client.assertUrlAllowed('http://93.184.215.14')).resolves.toBeUndefined();
    await expect(client.assertUrlAllowed('https://93.184.215.14:8443/agent?x=1')).resolves.toBeUndefined();
    await expect(client.assertUrlAllowed('https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/run')).resolves.toBeUndefined();
    expect(resolveHost).not.toHaveBeenCalled();
    expect(connectAttempts).toEqual([]);
  });

  it('assertUrlAllowed resolves host names and checks every address, without connecting', async () => {
    const answers: Record<string, LookupAddress[]> = {
      'agent.example.test': [
        { address: '93.184.215.14', family: 4 },
        { address: '2606:2800:21f:cb07:6820:80da:af6b:8b2c', family: 6 },
      ],
      'mixed.example.test': [
        { address: '93.184.215.14', family: 4 },
        { address: '10.1.2.3', family: 4 },
      ],
      'mapped.example.test': [{ address: '::ffff:169.254.169.254', family: 6 }],
    };
    const resolveHost = jest.fn(async (host: string): Promise<LookupAddress[]> => {
      const found = answers[host];
      if (!found) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
      return found;
    });
    const client = makeClient({ allowPrivateNetworks: false, resolveHost });
    await expect(client.assertUrlAllowed('https://agent.example.test/run')).resolves.toBeUndefined();
    await expectOutboundError(
      client.assertUrlAllowed('https://mixed.example.test/run'),
      'URL_REFUSED',
      'refused: mixed.example.test resolves to 10.1.2.3, which is a private address',
    );
    await expectOutboundError(client.assertUrlAllowed('http://mapped.example.test'), 'URL_REFUSED', /169\.254\.169\.254, which is a cloud metadata/);
    await expectOutboundError(client.assertUrlAllowed('http://nowhere.example.test'), 'NETWORK_ERROR', /host not found \(ENOTFOUND\)/);
    expect(resolveHost).toHaveBeenCalledTimes(4);
    expect(connectAttempts).toEqual([]);
  });

  it('checks the address resolved at connect time (DNS rebinding)', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    let calls = 0;
    // First answer (config time) is public, the next ones (connect time) point at loopback.
    const resolveHost = async (): Promise<LookupAddress[]> =>
      calls++ === 0 ? [{ address: '93.184.215.14', family: 4 }] : [{ address: '127.0.0.1', family: 4 }];
    const client = makeClient({ allowPrivateNetworks: false, resolveHost });
    const url = `http://rebind.example.test:${server.port}/`;
    await expect(client.assertUrlAllowed(url)).resolves.toBeUndefined();
    await expectOutboundError(
      client.request({ url }),
      'URL_REFUSED',
      'refused: rebind.example.test resolves to 127.0.0.1, which is a loopback address',
    );
    expect(server.connections).toBe(0);
  });

  it('the agents themselves refuse literal addresses (defense in depth)', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    const client = makeClient({ allowPrivateNetworks: false });
    const agent = (client as unknown as { httpAgent: http.Agent }).httpAgent;
    const err = await new Promise<Error>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: server.port, agent }, () => reject(new Error('connected')));
      req.on('error', resolve);
    });
    expect(err).toBeInstanceOf(OutboundError);
    expect((err as OutboundError).code).toBe('URL_REFUSED');
    expect(server.connections).toBe(0);
  });

  it('refuses a host name when any resolved address is forbidden', async () => {
    const server = await startServer((_req, res) => res.end('ok'));
    const resolveHost = async (): Promise<LookupAddress[]> => [
      { address: '127.0.0.1', family: 4 },
      { address: '::1', family: 6 },
    ];
    const client = makeClient({ allowPrivateNetworks: false, resolveHost });
    await expectOutboundError(client.request({ url: `http://two.example.test:${server.port}/` }), 'URL_REFUSED');
    expect(server.connections).toBe(0);
  });
});

describe('allowPrivateNetworks = true', () => {
  it('allows private addresses but still refuses other schemes and credentials', async () => {
    const client = makeClient({ allowPrivateNetworks: true });
    await expect(client.assertUrlAllowed('http://127.0.0.1:1234')).resolves.toBeUndefined();
    await expect(client.assertUrlAllowed('http://169.254.169.254')).resolves.toBeUndefined();
    await expect(client.assertUrlAllowed('http://some-service.internal')).resolves.toBeUndefined(); // no DNS needed
    await expectOutboundError(client.assertUrlAllowed('file:///etc/passwd'), 'URL_REFUSED');
    await expectOutboundError(client.request({ url: 'ftp://x' }), 'URL_REFUSED');
    await expectOutboundError(client.request({ url: 'http://a:b@127.0.0.1' }), 'URL_REFUSED');
    expect(connectAttempts).toEqual([]);
  });

  it('connects to host names through the resolver', async () => {
    const server = await startServer((req, res) => res.end(req.headers.host));
    const client = makeClient({ resolveHost: async () => [{ address: '127.0.0.1', family: 4 }] });
    const res = await client.request({ url: `http://agent.local.test:${server.port}/` });
    expect(res.text()).toBe(`agent.local.test:${server.port}`);
  });
});

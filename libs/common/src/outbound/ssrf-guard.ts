import * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import type { Duplex } from 'node:stream';
import { forbiddenAddressReason } from './ip-address-policy';
import { OutboundError } from './outbound-errors';
import type { HostResolver } from './outbound-types';

/**
 * Where the SSRF rules meet the sockets: the checks of a URL host and of a resolved
 * address, and the keep-alive agents that apply them to every connection they open.
 */

/** SSRF check of a URL host before any DNS (literal IPs and "localhost" names). */
export function literalHostRefusal(host: string | null | undefined): OutboundError | null {
  if (!host) return null;
  const name = host.toLowerCase().replace(/\.$/, '');
  if (name === 'localhost' || name.endsWith('.localhost')) {
    return new OutboundError('URL_REFUSED', `refused: ${host} is a loopback host name`);
  }
  if (!net.isIP(name)) return null;
  const reason = forbiddenAddressReason(name);
  return reason ? new OutboundError('URL_REFUSED', `refused: ${name} is ${reason}`) : null;
}

export function resolvedAddressRefusal(host: string, address: string): OutboundError | null {
  const reason = forbiddenAddressReason(address);
  return reason ? new OutboundError('URL_REFUSED', `refused: ${host} resolves to ${address}, which is ${reason}`) : null;
}

/** Refusal for a literal IP host, or null. */
export type HostCheck = (host: string | null | undefined) => OutboundError | null;

export class GuardedHttpAgent extends http.Agent {
  constructor(
    options: http.AgentOptions,
    private readonly checkHost: HostCheck,
    private readonly lookup: net.LookupFunction | undefined,
  ) {
    super(options);
  }

  override createConnection(
    options: http.ClientRequestArgs,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const refusal = this.checkHost(options.host);
    if (refusal) return refuseConnection(refusal, callback);
    return super.createConnection(this.lookup ? { ...options, lookup: this.lookup } : options, callback);
  }
}

export class GuardedHttpsAgent extends https.Agent {
  constructor(
    options: https.AgentOptions,
    private readonly checkHost: HostCheck,
    private readonly lookup: net.LookupFunction | undefined,
  ) {
    super(options);
  }

  override createConnection(
    options: https.RequestOptions,
    callback?: (err: Error | null, stream: Duplex) => void,
  ): Duplex | null | undefined {
    const refusal = this.checkHost(options.host);
    if (refusal) return refuseConnection(refusal, callback);
    return super.createConnection(this.lookup ? { ...options, lookup: this.lookup } : options, callback);
  }
}

function refuseConnection(refusal: OutboundError, callback?: (err: Error | null, stream: Duplex) => void): undefined {
  // http.Agent always passes a callback: an error given to it fails the request without any socket.
  if (!callback) throw refusal;
  callback(refusal, undefined as unknown as Duplex);
  return undefined;
}

/**
 * The `lookup` used by the agents' sockets: resolves every address of the host and refuses
 * the connection if any of them is forbidden. Undefined: plain dns.lookup.
 */
export function guardedLookup(allowPrivateNetworks: boolean, resolveHost: HostResolver | undefined): net.LookupFunction | undefined {
  if (allowPrivateNetworks && !resolveHost) return undefined;
  return (hostname, lookupOptions, callback) => {
    const done = (err: NodeJS.ErrnoException | null, found?: dns.LookupAddress[]) => {
      if (err) return callback(err, '');
      let addresses = found ?? [];
      if (lookupOptions.family === 4 || lookupOptions.family === 6) {
        addresses = addresses.filter((a) => a.family === lookupOptions.family);
      }
      if (addresses.length === 0) {
        return callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), '');
      }
      if (!allowPrivateNetworks) {
        for (const { address } of addresses) {
          const refusal = resolvedAddressRefusal(hostname, address);
          if (refusal) return callback(refusal, '');
        }
      }
      if (lookupOptions.all) callback(null, addresses);
      else callback(null, addresses[0].address, addresses[0].family);
    };
    if (resolveHost) {
      resolveHost(hostname).then(
        (found) => done(null, found),
        (err: NodeJS.ErrnoException) => done(err),
      );
    } else {
      dns.lookup(hostname, { ...lookupOptions, all: true }, (err, found) => done(err, found));
    }
  };
}

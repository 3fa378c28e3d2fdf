import * as dns from 'node:dns';
import * as http from 'node:http';
import * as https from 'node:https';
import * as net from 'node:net';
import * as tls from 'node:tls';
import { abortedError, errorMessage, networkError, OutboundError, tooLarge } from './outbound-errors';
import { BufferedResponse, OutboundClientOptions, OutboundRequest, OutboundResponse } from './outbound-types';
import { GuardedHttpAgent, GuardedHttpsAgent, guardedLookup, HostCheck, literalHostRefusal, resolvedAddressRefusal } from './ssrf-guard';

/**
 * The one HTTP client for every outbound call of the service (AI agents,
 * webhooks, Slack).
 *
 * - only http: and https: URLs, without embedded credentials;
 * - SSRF rules (see ip-address-policy.ts, ssrf-guard.ts) checked on the address actually
 *   connected to: literal IPs before connecting, host names on every address
 *   DNS returns at connect time (so DNS rebinding cannot bypass them), unless
 *   allowPrivateNetworks is set;
 * - redirects are never followed (a 3xx is returned as a response);
 * - connect timeout, total timeout, caller abort, response size cap;
 * - one keep-alive http agent and one https agent per client.
 */

const DEFAULTS = {
  connectTimeoutMs: 5000,
  defaultTimeoutMs: 30_000,
  maxResponseBytes: 1_048_576,
  idleSocketTimeoutMs: 4000,
};

/** Stale keep-alive connection errors that are retried once on a fresh connection. */
const STALE_SOCKET_CODES = new Set(['ECONNRESET', 'EPIPE']);

export class OutboundHttpClient {
  private readonly options: Required<Omit<OutboundClientOptions, 'resolveHost' | 'maxSocketsPerHost'>> &
    Pick<OutboundClientOptions, 'resolveHost' | 'maxSocketsPerHost'>;
  private readonly httpAgent: http.Agent;
  private readonly httpsAgent: https.Agent;
  private closed = false;

  constructor(options: OutboundClientOptions) {
    this.options = {
      allowPrivateNetworks: options.allowPrivateNetworks === true,
      connectTimeoutMs: positive(options.connectTimeoutMs, DEFAULTS.connectTimeoutMs),
      defaultTimeoutMs: positive(options.defaultTimeoutMs, DEFAULTS.defaultTimeoutMs),
      maxResponseBytes: positive(options.maxResponseBytes, DEFAULTS.maxResponseBytes),
      idleSocketTimeoutMs: positive(options.idleSocketTimeoutMs, DEFAULTS.idleSocketTimeoutMs),
      maxSocketsPerHost: options.maxSocketsPerHost,
      resolveHost: options.resolveHost,
    };

    const agentOptions: http.AgentOptions = {
      keepAlive: true,
      keepAliveMsecs: 1000,
      // Idle timeout of pooled sockets (a free socket is destroyed on timeout).
      timeout: this.options.idleSocketTimeoutMs,
      scheduling: 'lifo',
      ...(this.options.maxSocketsPerHost ? { maxSockets: this.options.maxSocketsPerHost } : {}),
    };
    const checkHost: HostCheck = (host) => (this.options.allowPrivateNetworks ? null : literalHostRefusal(host));
    const lookup = guardedLookup(this.options.allowPrivateNetworks, this.options.resolveHost);
    this.httpAgent = new GuardedHttpAgent(agentOptions, checkHost, lookup);
    this.httpsAgent = new GuardedHttpsAgent(agentOptions, checkHost, lookup);
  }

  /**
   * Validates a URL at configuration time: parse, scheme, credentials, then
   * (unless private networks are allowed) resolves the host and checks every
   * address. Never connects. Throws OutboundError (INVALID_URL, URL_REFUSED,
   * or NETWORK_ERROR when the host name cannot be resolved).
   *
   * This does not replace the connect-time check (DNS answers can change).
   */
  async assertUrlAllowed(url: string): Promise<void> {
    const target = this.parseUrl(url);
    if (this.options.allowPrivateNetworks) return;
    const host = bareHost(target.hostname);
    const refusal = literalHostRefusal(host);
    if (refusal) throw refusal;
    if (net.isIP(host)) return;
    let addresses: dns.LookupAddress[];
    try {
      addresses = await this.resolve(host);
    } catch (err) {
      throw networkError(err, host);
    }
    if (addresses.length === 0) throw new OutboundError('NETWORK_ERROR', `network error: host not found: ${host}`);
    for (const { address } of addresses) {
      const refusal = resolvedAddressRefusal(host, address);
      if (refusal) throw refusal;
    }
  }

  request(req: OutboundRequest): Promise<OutboundResponse> {
    let target: URL;
    try {
      if (this.closed) throw new OutboundError('NETWORK_ERROR', 'network error: the outbound client is closed');
      target = this.parseUrl(req.url);
      if (!this.options.allowPrivateNetworks) {
        const refusal = literalHostRefusal(bareHost(target.hostname));
        if (refusal) throw refusal;
      }
      if (req.signal?.aborted) throw abortedError(target.host);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.send(target, req);
  }

  /** Destroys the keep-alive agents (open connections are closed). */
  close(): void {
    this.closed = true;
    this.httpAgent.destroy();
    this.httpsAgent.destroy();
  }

  private send(target: URL, req: OutboundRequest): Promise<OutboundResponse> {
    const { signal } = req;
    const hostLabel = target.host;
    const timeoutMs = positive(req.timeoutMs, this.options.defaultTimeoutMs);
    const { connectTimeoutMs, maxResponseBytes } = this.options;
    const isHttps = target.protocol === 'https:';
    const transport = isHttps ? https : http;
    const requestOptions: http.RequestOptions = {
      protocol: target.protocol,
      hostname: bareHost(target.hostname),
      port: target.port || undefined,
      path: `${target.pathname}${target.search}`,
      method: (req.method ?? (req.body !== undefined ? 'POST' : 'GET')).toUpperCase(),
      headers: req.headers,
      agent: isHttps ? this.httpsAgent : this.httpAgent,
    };

    return new Promise<OutboundResponse>((resolve, reject) => {
      let settled = false;
      let retried = false;
      let current: http.ClientRequest | undefined;
      let currentResponse: http.IncomingMessage | undefined;
      let connectTimer: NodeJS.Timeout | undefined;

      const cleanup = () => {
        clearTimeout(totalTimer);
        clearTimeout(connectTimer);
        signal?.removeEventListener('abort', onAbort);
      };
      const succeed = (res: OutboundResponse) => {
        if (settled) return;
        settled = true;
        cleanup();
        resolve(res);
      };
      /** Fails the call and destroys the connection (it is not reused). */
      const fail = (err: OutboundError) => {
        if (settled) return;
        settled = true;
        cleanup();
        currentResponse?.destroy();
        current?.destroy();
        reject(err);
      };

      const onAbort = () => fail(abortedError(hostLabel));
      const totalTimer = setTimeout(
        () => fail(new OutboundError('TIMEOUT', `timeout: no complete response from ${hostLabel} within ${timeoutMs} ms`)),
        timeoutMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });

      const attempt = () => {
        let responded = false;
        let outgoing: http.ClientRequest;
        try {
          outgoing = transport.request(requestOptions);
        } catch (err) {
          // Invalid method or header name/value (the message names the header, never its value).
          fail(new OutboundError('NETWORK_ERROR', `network error: invalid request to ${hostLabel}: ${errorMessage(err)}`, { cause: err }));
          return;
        }
        current = outgoing;

        outgoing.on('socket', (socket: net.Socket) => {
          if (settled || outgoing.reusedSocket || !socket.connecting) return;
          const connectedEvent = socket instanceof tls.TLSSocket ? 'secureConnect' : 'connect';
          const onConnected = () => clearTimeout(connectTimer);
          socket.once(connectedEvent, onConnected);
          connectTimer = setTimeout(() => {
            socket.removeListener(connectedEvent, onConnected);
            fail(new OutboundError('CONNECT_TIMEOUT', `connect timeout: could not connect to ${hostLabel} within ${connectTimeoutMs} ms`));
          }, connectTimeoutMs);
        });

        outgoing.on('error', (err: NodeJS.ErrnoException) => {
          if (settled) return;
          clearTimeout(connectTimer);
          if (err instanceof OutboundError) return fail(err);
          // A pooled keep-alive connection closed by the server just as it was reused: the
          // request most likely never reached it. Retry once on a fresh connection.
          if (req.retryStaleConnection !== false && !retried && !responded && outgoing.reusedSocket && STALE_SOCKET_CODES.has(err.code ?? '')) {
            retried = true;
            attempt();
            return;
          }
          fail(networkError(err, hostLabel));
        });

        outgoing.on('response', (res: http.IncomingMessage) => {
          responded = true;
          if (settled) {
            res.destroy();
            return;
          }
          currentResponse = res;
          const declared = Number(res.headers['content-length']);
          if (Number.isFinite(declared) && declared > maxResponseBytes) {
            fail(tooLarge(hostLabel, maxResponseBytes, declared));
            return;
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            if (settled) return;
            size += chunk.length;
            if (size > maxResponseBytes) {
              fail(tooLarge(hostLabel, maxResponseBytes));
              return;
            }
            chunks.push(chunk);
          });
          res.on('end', () => {
            succeed(new BufferedResponse(res.statusCode ?? 0, { ...res.headers }, Buffer.concat(chunks, size)));
          });
          res.on('error', (err) => fail(networkError(err, hostLabel)));
          res.on('close', () => {
            if (!res.complete) {
              fail(new OutboundError('NETWORK_ERROR', `network error: ${hostLabel} closed the connection before the response was complete`));
            }
          });
        });

        outgoing.end(req.body);
      };

      attempt();
    });
  }

  /** Parses and applies the scheme/credential rules. */
  private parseUrl(url: string): URL {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      throw new OutboundError('INVALID_URL', 'invalid URL: the URL cannot be parsed');
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw new OutboundError('URL_REFUSED', `refused: the ${target.protocol.replace(/:$/, '')} scheme is not allowed (only http and https)`);
    }
    if (target.username || target.password) {
      throw new OutboundError('URL_REFUSED', 'refused: URLs with embedded credentials are not allowed');
    }
    if (!target.hostname) throw new OutboundError('INVALID_URL', 'invalid URL: no host');
    return target;
  }

  private resolve(host: string): Promise<dns.LookupAddress[]> {
    if (this.options.resolveHost) return this.options.resolveHost(host);
    return dns.promises.lookup(host, { all: true, verbatim: true });
  }
}

function positive(value: number | undefined, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : fallback;
}

/** URL.hostname keeps the brackets of IPv6 literals; sockets and DNS want them off. */
function bareHost(hostname: string): string {
  return hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname;
}

import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { DomainError, notFound, toProblem, unauthorized } from '../errors';
import { scrapeAllowed } from './metrics-access';

export interface MetricsSource {
  contentType: string;
  render(): Promise<string>;
}

/**
 * A server for GET /metrics alone, for processes without an HTTP API of their own (workers; the
 * primary of an API_PROCESSES > 1 deployment, answering for all its processes). Same rules as
 * the API's route: bearer METRICS_TOKEN when set; anything else is a problem+json 404 or 405.
 */
export class MetricsHttpServer {
  private server?: Server;

  constructor(private readonly source: MetricsSource, private readonly token: string | undefined) {}

  /** Listens on `port` (0: any free one); resolves with the port once it listens. */
  async listen(port: number, host?: string): Promise<number> {
    const server = createServer((req, res) => void this.answer(req, res));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    return (server.address() as AddressInfo).port;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      if ((req.url ?? '').split('?')[0] !== '/metrics') throw notFound('NOT_FOUND', 'This server answers GET /metrics only');
      if (req.method !== 'GET' && req.method !== 'HEAD') throw new DomainError(405, 'METHOD_NOT_ALLOWED', 'GET /metrics only');
      if (!scrapeAllowed(this.token, req.headers.authorization)) throw unauthorized('GET /metrics needs the bearer METRICS_TOKEN');
      const body = await this.source.render();
      res.writeHead(200, { 'Content-Type': this.source.contentType, 'Cache-Control': 'no-store' });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch (err) {
      const problem = toProblem(err);
      res.writeHead(problem.status, { 'Content-Type': 'application/problem+json' });
      res.end(JSON.stringify(problem));
    }
  }
}

import http from 'node:http';
import { AddressInfo } from 'node:net';
import { openEventStream, SseMessage, SseParser } from './event-stream';

describe('SseParser', () => {
  it('parses messages split anywhere across chunks, skips comments, joins multi-line data', () => {
    const parser = new SseParser();
    const text = ': ping\n\nid: 7\nevent: transition\ndata: {"a":\ndata: 1}\n\r\nid: 8\r\ndata: x\r\n\r\n';
    const out: SseMessage[] = [];
    for (const ch of text) out.push(...parser.push(ch));
    expect(out).toEqual([
      { id: '7', event: 'transition', data: '{"a":\n1}' },
      { id: '8', event: 'message', data: 'x' },
    ]);
  });
});

describe('openEventStream', () => {
  let server: http.Server;
  let base: string;
  const seen: { lastEventId?: string; authorization?: string; url?: string }[] = [];

  beforeAll(async () => {
    // A real SSE server: the first connection sends events 1 and 2 then drops; the next ones
    // replay what follows the Last-Event-ID they bring, then stay open.
    server = http.createServer((req, res) => {
      seen.push({ lastEventId: req.headers['last-event-id'] as string | undefined, authorization: req.headers.authorization, url: req.url });
      if (req.url === '/gone') {
        res.writeHead(404, { 'content-type': 'application/problem+json' }).end('{"status":404}');
        return;
      }
      if (req.headers.authorization !== 'Bearer good') {
        res.writeHead(401, { 'content-type': 'application/problem+json' }).end('{"status":401}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const after = Number(req.headers['last-event-id'] ?? 0);
      const events = [1, 2, 3, 4].filter((id) => id > after);
      if (seen.filter((s) => s.authorization === 'Bearer good').length === 1) {
        res.write(`: ping\n\nid: 1\nevent: transition\ndata: {"id":1}\n\nid: 2\nevent: transition\ndata: {"id":2}\n\n`);
        setTimeout(() => res.destroy(), 20);
        return;
      }
      for (const id of events) res.write(`id: ${id}\nevent: transition\ndata: {"id":${id}}\n\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('resumes after a dropped connection with Last-Event-ID: no gap, no duplicate; the token only in a header', async () => {
    const ids: number[] = [];
    const states: string[] = [];
    const stream = openEventStream({
      url: `${base}/services/events/stream?kind=transition`,
      headers: () => ({ Authorization: 'Bearer good' }),
      onMessage: (m) => ids.push(JSON.parse(m.data).id),
      onState: (s) => states.push(s),
      retryMs: 10,
    });
    const until = Date.now() + 10_000;
    while (ids.length < 4 && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    stream.close();
    expect(ids).toEqual([1, 2, 3, 4]);
    expect(stream.lastEventId()).toBe('4');
    const good = seen.filter((s) => s.authorization === 'Bearer good');
    expect(good.map((s) => s.lastEventId)).toEqual([undefined, '2']);
    expect(good.every((s) => s.url === '/services/events/stream?kind=transition')).toBe(true);
    expect(states.slice(0, 4)).toEqual(['connecting', 'open', 'reconnecting', 'open']);
  });

  it('starts from a given event id, and stops at a 401 or a 404 (no retry loop for what cannot change)', async () => {
    const refused: number[] = [];
    // 'closed' comes once the stream's loop has ended: no retry can follow it, so no need to wait and see.
    const badStates: string[] = [];
    const bad = openEventStream({ url: `${base}/s`, headers: () => ({ Authorization: 'Bearer bad' }), onMessage: () => undefined, onRefused: (s) => refused.push(s), onState: (s) => badStates.push(s), retryMs: 10 });
    const until = Date.now() + 5000;
    while (!badStates.includes('closed') && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(badStates).toEqual(['connecting', 'closed']);
    bad.close();
    expect(refused).toEqual([401]);
    expect(seen.filter((s) => s.authorization === 'Bearer bad')).toHaveLength(1);

    const gone: number[] = [];
    const goneStates: string[] = [];
    const unknown = openEventStream({ url: `${base}/gone`, headers: () => ({ Authorization: 'Bearer good' }), onMessage: () => undefined, onRefused: (s) => gone.push(s), onState: (s) => goneStates.push(s), retryMs: 10 });
    while (!goneStates.includes('closed') && Date.now() < until) await new Promise((r) => setTimeout(r, 10));
    expect(goneStates).toEqual(['connecting', 'closed']);
    unknown.close();
    expect(gone).toEqual([404]);
    expect(seen.filter((s) => s.url === '/gone')).toHaveLength(1);

    const ids: number[] = [];
    const resumed = openEventStream({ url: `${base}/s`, headers: () => ({ Authorization: 'Bearer good' }), lastEventId: '3', onMessage: (m) => ids.push(JSON.parse(m.data).id), retryMs: 10 });
    while (!ids.length && Date.now() < until + 5000) await new Promise((r) => setTimeout(r, 10));
    resumed.close();
    expect(ids).toEqual([4]);
    expect(seen[seen.length - 1].lastEventId).toBe('3');
  });
});

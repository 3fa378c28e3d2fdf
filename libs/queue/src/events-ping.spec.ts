import type { BroadcastListener, Broadcasts } from './broadcasts';
import { EventsPing } from './events-ping';

/** Broadcasts whose publishes complete when the test says so (false: Redis did not take it). */
function fakeBroadcasts() {
  const published: Array<{ topic: string; done: (ok: boolean) => void }> = [];
  const subscribed: Array<{ topic: string; listener: BroadcastListener }> = [];
  const broadcasts = {
    publish: (topic: string) => new Promise<boolean>((resolve) => { published.push({ topic, done: resolve }); }),
    subscribe: async (topic: string, listener: BroadcastListener) => { subscribed.push({ topic, listener }); },
  } as unknown as Broadcasts;
  return { broadcasts, published, subscribed };
}

const turn = () => new Promise((r) => setImmediate(r));

describe('EventsPing', () => {
  it('publishes once per turn of the event loop on the job-events topic, whatever the number of writers', async () => {
    const { broadcasts, published } = fakeBroadcasts();
    const ping = new EventsPing(broadcasts);
    ping.written();
    ping.written();
    ping.written();
    await turn();
    expect(published.map((p) => p.topic)).toEqual(['job-events']);
  });

  it('keeps at most one publish in flight and one waiting (a slow or absent Redis queues nothing more)', async () => {
    const { broadcasts, published } = fakeBroadcasts();
    const ping = new EventsPing(broadcasts);
    ping.written();
    await turn();
    for (let i = 0; i < 5; i++) {
      ping.written();
      await turn();
    }
    expect(published).toHaveLength(1);
    published[0].done(false);
    await turn();
    await turn();
    expect(published).toHaveLength(2);
    published[1].done(true);
    await turn();
    await turn();
    expect(published).toHaveLength(2);
  });

  it('wakes the listeners of its own process at once, those of other processes through Redis, and on a resubscribe', async () => {
    const { broadcasts, subscribed } = fakeBroadcasts();
    const ping = new EventsPing(broadcasts);
    const woken: string[] = [];
    await ping.onWritten(() => woken.push('woken'));
    expect(subscribed.map((s) => s.topic)).toEqual(['job-events']);
    ping.written();
    expect(woken).toEqual(['woken']);
    subscribed[0].listener.message(null);
    subscribed[0].listener.resync!();
    expect(woken).toEqual(['woken', 'woken', 'woken']);
  });
});

import { AppConfig } from '@app/common';
import { EventsPing } from './events-ping';
import type { RedisPubSub } from './redis-pubsub';

/** A RedisPubSub whose publishes complete when the test says so. */
function fakePubSub() {
  const published: Array<{ channel: string; done: (err?: Error) => void }> = [];
  const subscribed: Array<{ channel: string; listener: (m: string) => void }> = [];
  const pubsub = {
    publish: (channel: string) => new Promise<void>((resolve, reject) => {
      published.push({ channel, done: (err) => (err ? reject(err) : resolve()) });
    }),
    subscribe: async (channel: string, listener: (m: string) => void) => { subscribed.push({ channel, listener }); },
  } as unknown as RedisPubSub;
  return { pubsub, published, subscribed };
}

const turn = () => new Promise((r) => setImmediate(r));
const config = Object.assign(new AppConfig(), { QUEUE_PREFIX: 'pfx' });

describe('EventsPing', () => {
  it('publishes once per turn of the event loop on <QUEUE_PREFIX>:job-events, whatever the number of writers', async () => {
    const { pubsub, published } = fakePubSub();
    const ping = new EventsPing(config, pubsub);
    ping.written();
    ping.written();
    ping.written();
    await turn();
    expect(published.map((p) => p.channel)).toEqual(['pfx:job-events']);
  });

  it('keeps at most one publish in flight and one waiting (a slow or absent Redis queues nothing more)', async () => {
    const { pubsub, published } = fakePubSub();
    const ping = new EventsPing(config, pubsub);
    ping.written();
    await turn();
    for (let i = 0; i < 5; i++) {
      ping.written();
      await turn();
    }
    expect(published).toHaveLength(1);
    published[0].done(new Error('redis down'));
    await turn();
    await turn();
    expect(published).toHaveLength(2);
    published[1].done();
    await turn();
    await turn();
    expect(published).toHaveLength(2);
  });

  it('wakes the listeners of its own process at once, and those of other processes through Redis', async () => {
    const { pubsub, subscribed } = fakePubSub();
    const ping = new EventsPing(config, pubsub);
    const woken: string[] = [];
    await ping.onWritten(() => woken.push('woken'));
    expect(subscribed.map((s) => s.channel)).toEqual(['pfx:job-events']);
    ping.written();
    expect(woken).toEqual(['woken']);
    subscribed[0].listener('');
    expect(woken).toEqual(['woken', 'woken']);
  });
});

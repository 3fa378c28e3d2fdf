import { InjectQueue } from '@nestjs/bull';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '@app/common';
import { CHANNEL_POSTS_QUEUE, ChannelPostPayload, ChannelPostQueue, DrainingProcessor } from '@app/queue';
import { ChannelPostsService } from './channel-posts.service';
import { LocalPostRuns } from './local-post-runs';

/**
 * Thin Bull processor: hands each channel post to ChannelPostsService. Registered by hand
 * so that its concurrency comes from validated config (DELIVERY_CONCURRENCY). First runs of
 * posts whose task finished in this process skip Bull (LocalPostRuns, up to as many more).
 * On shutdown it lets posts in flight finish, so a deploy does not leave them SENDING until
 * their lease ends.
 */
@Injectable()
export class ChannelPostProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChannelPostProcessor.name);
  private readonly processor: DrainingProcessor<ChannelPostPayload>;
  private readonly local: LocalPostRuns;

  constructor(
    @InjectQueue(CHANNEL_POSTS_QUEUE) private readonly queue: Queue<ChannelPostPayload>,
    private readonly producer: ChannelPostQueue,
    private readonly posts: ChannelPostsService,
    private readonly config: AppConfig,
  ) {
    this.processor = new DrainingProcessor(queue, this.logger);
    this.local = new LocalPostRuns(config.DELIVERY_CONCURRENCY, (post, wakeupId) => this.posts.deliver(post, wakeupId), this.logger);
  }

  onApplicationBootstrap(): void {
    this.processor.start(this.config.DELIVERY_CONCURRENCY, (job) => this.posts.deliver(job.data, String(job.id)));
    this.producer.useLocalRunner(this.local);
    this.queue.on('failed', (job, err) => this.logger.warn(`channel post ${job.data.task_id} failed: ${err.message} (the reconciler retries it)`));
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.producer.useLocalRunner(null);
    await Promise.all([this.processor.drain(this.config.SHUTDOWN_GRACE_MS), this.local.drain(this.config.SHUTDOWN_GRACE_MS)]);
  }
}

import { InjectQueue } from '@nestjs/bull';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '@app/common';
import { CHANNEL_POSTS_QUEUE, ChannelPostPayload, DrainingProcessor } from '@app/queue';
import { ChannelPostsService } from './channel-posts.service';

/**
 * Thin Bull processor: hands each channel post to ChannelPostsService. Registered by hand
 * so that its concurrency comes from validated config (DELIVERY_CONCURRENCY). On shutdown
 * it lets posts in flight finish, so a deploy does not leave them SENDING until their lease ends.
 */
@Injectable()
export class ChannelPostProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(ChannelPostProcessor.name);
  private readonly processor: DrainingProcessor<ChannelPostPayload>;

  constructor(
    @InjectQueue(CHANNEL_POSTS_QUEUE) private readonly queue: Queue<ChannelPostPayload>,
    private readonly posts: ChannelPostsService,
    private readonly config: AppConfig,
  ) {
    this.processor = new DrainingProcessor(queue, this.logger);
  }

  onApplicationBootstrap(): void {
    this.processor.start(this.config.DELIVERY_CONCURRENCY, (job) => this.posts.deliver(job.data, String(job.id)));
    this.queue.on('failed', (job, err) => this.logger.warn(`channel post ${job.data.task_id} failed: ${err.message} (the reconciler retries it)`));
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.processor.drain(this.config.SHUTDOWN_GRACE_MS);
  }
}

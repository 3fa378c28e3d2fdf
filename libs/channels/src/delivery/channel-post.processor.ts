import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '@app/common';
import { CHANNEL_POSTS_QUEUE, ChannelPostPayload } from '@app/queue';
import { ChannelPostsService } from './channel-posts.service';

/**
 * Thin Bull processor: hands each channel post to ChannelPostsService. Registered by hand
 * so that its concurrency comes from validated config (DELIVERY_CONCURRENCY).
 */
@Injectable()
export class ChannelPostProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(ChannelPostProcessor.name);

  constructor(
    @InjectQueue(CHANNEL_POSTS_QUEUE) private readonly queue: Queue<ChannelPostPayload>,
    private readonly posts: ChannelPostsService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    void this.queue.process(this.config.DELIVERY_CONCURRENCY, (job) => this.posts.deliver(job.data));
    this.queue.on('error', (err) => this.logger.warn(`queue error: ${err.message}`));
    this.queue.on('failed', (job, err) => this.logger.warn(`channel post ${job.data.task_id} failed: ${err.message} (the reconciler retries it)`));
  }
}

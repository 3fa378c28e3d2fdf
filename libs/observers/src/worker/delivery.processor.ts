import { InjectQueue } from '@nestjs/bull';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '@app/common';
import { DrainingProcessor, WEBHOOK_DELIVERIES_QUEUE, WebhookDeliveryPayload } from '@app/queue';
import { DeliveryAttemptsService } from '../delivery/delivery-attempts.service';

/**
 * Thin Bull processor: one automatic webhook attempt per job, handed to
 * DeliveryAttemptsService. Registered by hand so its concurrency comes from validated config
 * (DELIVERY_CONCURRENCY). On shutdown it stops taking attempts and lets those in flight finish.
 */
@Injectable()
export class DeliveryProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly processor: DrainingProcessor<WebhookDeliveryPayload>;

  constructor(
    @InjectQueue(WEBHOOK_DELIVERIES_QUEUE) queue: Queue<WebhookDeliveryPayload>,
    private readonly attempts: DeliveryAttemptsService,
    private readonly config: AppConfig,
  ) {
    this.processor = new DrainingProcessor(queue, new Logger(DeliveryProcessor.name));
  }

  onApplicationBootstrap(): void {
    this.processor.start(this.config.DELIVERY_CONCURRENCY, (job) => this.attempts.runAutomatic(job.data));
  }

  beforeApplicationShutdown(): Promise<void> {
    return this.processor.drain(this.config.SHUTDOWN_GRACE_MS);
  }
}

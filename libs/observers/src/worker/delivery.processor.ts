import { InjectQueue } from '@nestjs/bull';
import { BeforeApplicationShutdown, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { setTimeout as sleep } from 'node:timers/promises';
import { AppConfig } from '@app/common';
import { WEBHOOK_DELIVERIES_QUEUE, WebhookDeliveryPayload } from '@app/queue';
import { DeliveryAttemptsService } from '../delivery/delivery-attempts.service';

/**
 * Thin Bull processor: one automatic webhook attempt per job, handed to
 * DeliveryAttemptsService. Registered by hand so its concurrency comes from validated config
 * (DELIVERY_CONCURRENCY). On shutdown it stops taking attempts and lets those in flight finish.
 */
@Injectable()
export class DeliveryProcessor implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(DeliveryProcessor.name);
  private inFlight = 0;

  constructor(
    @InjectQueue(WEBHOOK_DELIVERIES_QUEUE) private readonly queue: Queue<WebhookDeliveryPayload>,
    private readonly attempts: DeliveryAttemptsService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    void this.queue.process(this.config.DELIVERY_CONCURRENCY, async (job) => {
      this.inFlight++;
      try {
        await this.attempts.runAutomatic(job.data);
      } finally {
        this.inFlight--;
      }
    });
    this.queue.on('error', (err) => this.logger.warn(`queue error: ${err.message}`));
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.queue.pause(true, true).catch(() => undefined);
    const until = Date.now() + this.config.SHUTDOWN_GRACE_MS;
    while (this.inFlight > 0 && Date.now() < until) await sleep(25);
  }
}

import { Module } from '@nestjs/common';
import { MetricsModule } from '@app/common/metrics';
import { ObserversModule, OrgWebhookSecrets } from '@app/observers';
import { ChannelsModule } from '../channels.module';
import { SlackDeliverer } from '../slack/slack-deliverer';
import { WebhookDeliverer } from '../webhook/webhook-deliverer';
import { WEBHOOK_SECRETS } from '../webhook/webhook-secrets';
import { ChannelPostsRepository } from './channel-posts.repository';
import { ChannelPostsService } from './channel-posts.service';
import { ChannelPostsReconciler } from './channel-posts.reconciler';

/**
 * Delivering results to channels: the rules, the outbox, one deliverer per platform. The
 * outbox's writes on the job (JOB_RECORD_SQL) are bound globally by libs/jobs, which owns those tables.
 */
@Module({
  imports: [ChannelsModule, ObserversModule, MetricsModule],
  providers: [
    ChannelPostsRepository, ChannelPostsService, ChannelPostsReconciler, SlackDeliverer, WebhookDeliverer,
    // Webhook channels are signed with the org's webhook secret (with rotation), like observer webhooks.
    { provide: WEBHOOK_SECRETS, useExisting: OrgWebhookSecrets },
  ],
  exports: [ChannelPostsService, ChannelPostsReconciler, ChannelPostsRepository],
})
export class ChannelDeliveryModule {}

import { Module } from '@nestjs/common';
import { MetricsModule } from '@app/common/metrics';
import { DeliveriesQueryService } from './delivery/deliveries-query.service';
import { DeliveriesRepository } from './delivery/deliveries.repository';
import { DeliveryAttemptsService } from './delivery/delivery-attempts.service';
import { DeliveryReconcilerService } from './delivery/delivery-reconciler.service';
import { JobOwnership } from './delivery/job-ownership';
import { EventDispatcherService } from './dispatch/event-dispatcher.service';
import { OrgWebhookSecrets } from './secrets/org-webhook-secrets';

const services = [
  OrgWebhookSecrets, DeliveriesRepository, JobOwnership, DeliveryAttemptsService,
  DeliveriesQueryService, EventDispatcherService, DeliveryReconcilerService,
];

/**
 * Observers: job events to webhooks (callback_url, observers, a parent's observers), signed
 * with the org's secret, retried, logged. OrgWebhookSecrets is exported for webhook channels.
 */
@Module({ imports: [MetricsModule], providers: services, exports: services })
export class ObserversModule {}

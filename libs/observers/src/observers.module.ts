import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MetricsModule } from '@app/common/metrics';
import { DeliveriesQueryService } from './delivery/deliveries-query.service';
import { DeliveriesRepository } from './delivery/deliveries.repository';
import { DeliveryAttemptsService } from './delivery/delivery-attempts.service';
import { DeliveryReconcilerService } from './delivery/delivery-reconciler.service';
import { JobOwnership } from './delivery/job-ownership';
import { EventDispatcherService } from './dispatch/event-dispatcher.service';
import { OBSERVERS_ENTITIES } from './entities';
import { OrgWebhookSecrets } from './secrets/org-webhook-secrets';
import { OrgWebhookSecretsRepository } from './secrets/org-webhook-secrets.repository';

const services = [
  OrgWebhookSecrets, DeliveriesRepository, JobOwnership, DeliveryAttemptsService,
  DeliveriesQueryService, EventDispatcherService, DeliveryReconcilerService,
];

/**
 * Observers: job events to webhooks (callback_url, observers, a parent's observers), signed
 * with the org's secret, retried, logged. OrgWebhookSecrets is exported for webhook channels.
 * The jobs and job_events it reads come through OBSERVED_JOBS, bound globally by libs/jobs.
 */
@Module({
  imports: [TypeOrmModule.forFeature(OBSERVERS_ENTITIES), MetricsModule],
  providers: [...services, OrgWebhookSecretsRepository],
  exports: services,
})
export class ObserversModule {}

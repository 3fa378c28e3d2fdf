import { Module } from '@nestjs/common';
import { ObserversModule } from './observers.module';
import { DeliveryProcessor } from './worker/delivery.processor';
import { ObserversLoop } from './worker/observers.loop';

/** Worker side: the outbox dispatcher and delivery reconciler loop, and the delivery processor. */
@Module({ imports: [ObserversModule], providers: [DeliveryProcessor, ObserversLoop], exports: [ObserversLoop] })
export class ObserversWorkerModule {}

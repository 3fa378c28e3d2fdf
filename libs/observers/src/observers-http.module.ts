import { Module } from '@nestjs/common';
import { AuthModule } from '@app/auth';
import { DeliveriesController } from './delivery/deliveries.controller';
import { ObserversModule } from './observers.module';
import { SigningSecretController } from './secrets/signing-secret.controller';

/** Routes: the org's signing secret (ADMIN), a job's deliveries and redelivery. */
@Module({ imports: [AuthModule, ObserversModule], controllers: [SigningSecretController, DeliveriesController] })
export class ObserversHttpModule {}

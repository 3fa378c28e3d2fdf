import { Module } from '@nestjs/common';
import { MetricsService } from './metrics.service';

/** The app's metrics registry; each library that reports imports this module (one instance per app). */
@Module({ providers: [MetricsService], exports: [MetricsService] })
export class MetricsModule {}

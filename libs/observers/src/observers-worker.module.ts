import { Module } from '@nestjs/common';
import { ObserversModule } from './observers.module';

@Module({ imports: [ObserversModule], providers: [] })
export class ObserversWorkerModule {}

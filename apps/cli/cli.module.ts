import { DynamicModule, Module } from '@nestjs/common';
import { AuthCoreModule } from '@app/auth';
import { AppConfigModule } from '@app/common';
import { DatabaseModule } from '@app/database';

/** Operator commands need the database and token records, nothing else (no Redis). */
@Module({})
export class CliModule {
  static forRoot(): DynamicModule {
    return { module: CliModule, imports: [AppConfigModule.forRoot(), DatabaseModule, AuthCoreModule] };
  }
}

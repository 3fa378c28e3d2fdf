import { Global, Logger, Module } from '@nestjs/common';
import { AppConfig, loadConfig } from './app-config';

/**
 * Provides the validated AppConfig. Tests and the bench pass their own values through
 * AppConfigModule.forValues so they never touch process.env of the running process.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(overrides: NodeJS.ProcessEnv = {}) {
    const config = loadConfig({ ...process.env, ...overrides });
    if (!config.JWT_SECRET) {
      new Logger('Config').warn('JWT_SECRET is not set: using the insecure development default (refused in production)');
    }
    if (!config.ENCRYPTION_KEY) {
      new Logger('Config').warn('ENCRYPTION_KEY is not set: using the insecure development key (refused in production)');
    }
    return { module: AppConfigModule, providers: [{ provide: AppConfig, useValue: config }], exports: [AppConfig] };
  }
}

import { Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '@app/common';
import { RedisRateLimitStorage } from '@app/queue';

/** The throttler's one (named) limit; RateLimitGuard sets each request's quota and window from its token. */
export const RATE_LIMITER = 'default';

/**
 * @nestjs/throttler for an HTTP app (its module is global: every RateLimitGuard finds it),
 * counting in Redis. With RATE_LIMIT_ENABLED=false no connection is opened (the guard skips
 * every request; the library's in-memory storage stands in, unused).
 */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [{ name: RATE_LIMITER, limit: config.RATE_LIMIT_PER_MINUTE, ttl: 60_000 }],
        ...(config.RATE_LIMIT_ENABLED ? { storage: new RedisRateLimitStorage(config) } : {}),
      }),
    }),
  ],
})
export class RateLimitModule {}

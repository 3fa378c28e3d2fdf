import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { MetricsModule } from '@app/common/metrics';
import { AccessGuard, JwtAuthGuard } from './access.guard';
import { ApiTokenEntity, OrgEntity } from './api-token.entity';
import { ApiTokensRepository } from './api-tokens.repository';
import { JwtStrategy } from './jwt.strategy';
import { OrgsRepository } from './orgs.repository';
import { RateLimitGuard } from './rate-limit/rate-limit.guard';
import { TaskCallbackGuard } from './task-callback.guard';
import { CallbackTokens } from './task-callback-tokens';
import { TokenService } from './token.service';
import { TokenVerifier } from './token-verifier';

/** Token records and task callback tokens: what workers and the CLI need (no passport). */
@Module({
  imports: [TypeOrmModule.forFeature([ApiTokenEntity, OrgEntity])],
  providers: [TokenService, CallbackTokens, ApiTokensRepository, OrgsRepository],
  exports: [TokenService, CallbackTokens],
})
export class AuthCoreModule {}

/**
 * Request authentication and rate limits for HTTP apps: each app its own JwtStrategy (on its
 * own Passport instance), which the guard authenticates with. The app imports RateLimitModule
 * once (the throttler's options and Redis storage, global). A module whose routes use RequireAccess
 * imports this one, so that its guards get their app's strategy.
 */
@Module({
  imports: [AuthCoreModule, MetricsModule],
  providers: [JwtStrategy, JwtAuthGuard, AccessGuard, TaskCallbackGuard, RateLimitGuard, TokenVerifier],
  exports: [AuthCoreModule, MetricsModule, JwtStrategy, JwtAuthGuard, AccessGuard, TaskCallbackGuard, RateLimitGuard, TokenVerifier],
})
export class AuthModule {}

import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGuard, JwtAuthGuard } from './access.guard';
import { ApiTokenEntity, OrgEntity } from './api-token.entity';
import { ApiTokensRepository } from './api-tokens.repository';
import { JwtStrategy } from './jwt.strategy';
import { OrgsRepository } from './orgs.repository';
import { CallbackTokens } from './task-callback-tokens';
import { TokenService } from './token.service';

/** Token records and task callback tokens: what workers and the CLI need (no passport). */
@Module({
  imports: [TypeOrmModule.forFeature([ApiTokenEntity, OrgEntity])],
  providers: [TokenService, CallbackTokens, ApiTokensRepository, OrgsRepository],
  exports: [TokenService, CallbackTokens],
})
export class AuthCoreModule {}

/**
 * Request authentication for HTTP apps: each app its own JwtStrategy (on its own Passport
 * instance), which the guard authenticates with. A module whose routes use RequireAccess
 * imports this one, so that its guards get their app's strategy.
 */
@Module({
  imports: [AuthCoreModule],
  providers: [JwtStrategy, JwtAuthGuard, AccessGuard],
  exports: [AuthCoreModule, JwtStrategy, JwtAuthGuard, AccessGuard],
})
export class AuthModule {}

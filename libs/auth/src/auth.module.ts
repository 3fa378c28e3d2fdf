import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
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
 * Request authentication for HTTP apps. Passport strategies are process-global, so only
 * HTTP apps register one; worker contexts import AuthCoreModule and never replace it.
 */
@Module({
  imports: [AuthCoreModule, PassportModule],
  providers: [JwtStrategy, JwtAuthGuard, AccessGuard],
  exports: [AuthCoreModule, JwtAuthGuard, AccessGuard],
})
export class AuthModule {}

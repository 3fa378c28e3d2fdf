import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccessGuard, JwtAuthGuard } from './access.guard';
import { ApiTokenEntity, OrgEntity } from './api-token.entity';
import { JwtStrategy } from './jwt.strategy';
import { CallbackTokens } from './task-callback-tokens';
import { TokenService } from './token.service';

/** Token records and request authentication; the HTTP routes live in AuthHttpModule. */
@Module({
  imports: [PassportModule, TypeOrmModule.forFeature([ApiTokenEntity, OrgEntity])],
  providers: [TokenService, JwtStrategy, JwtAuthGuard, AccessGuard, CallbackTokens],
  exports: [TokenService, JwtAuthGuard, AccessGuard, CallbackTokens],
})
export class AuthModule {}

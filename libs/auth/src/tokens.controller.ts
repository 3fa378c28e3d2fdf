import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { IsIn, IsObject, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import { badRequest, envelope } from '@app/common';
import { ACCESS_LEVELS, parseDuration, SCOPES, Scopes } from './access-levels';
import { CurrentToken, RequireAccess } from './decorators';
import { actorOf, Principal } from './principal';
import { tokenView, TokenService } from './token.service';

export class CreateTokenDto {
  @IsOptional() @IsString() @MaxLength(200) name?: string;
  @IsObject() scopes: Scopes;
  @IsOptional() @Matches(/^\d{1,6}[smhd]$/, { message: 'expires_in must look like 30d, 12h, 15m or 3600s' }) expires_in?: string;
}

function checkScopes(scopes: Record<string, unknown>): Scopes {
  const entries = Object.entries(scopes);
  const bad = entries.filter(([k, v]) => !SCOPES.includes(k as never) || !ACCESS_LEVELS.includes(v as never));
  if (!entries.length || bad.length) {
    throw badRequest('VALIDATION_ERROR', 'scopes must map SERVICES to READ, WRITE or ADMIN', [
      { field: 'scopes', message: `expected e.g. {"SERVICES": "WRITE"}; levels: ${ACCESS_LEVELS.join(', ')}` },
    ]);
  }
  return scopes as Scopes;
}

@Controller('services/tokens')
@RequireAccess('SERVICES', 'ADMIN')
export class TokensController {
  constructor(private readonly tokens: TokenService) {}

  @Post()
  async create(@CurrentToken() caller: Principal, @Body() body: CreateTokenDto) {
    const issued = await this.tokens.issue({
      orgId: caller.orgId,
      scopes: checkScopes(body.scopes),
      name: body.name,
      expiresInSeconds: body.expires_in ? parseDuration(body.expires_in) : undefined,
      createdBy: actorOf(caller),
    });
    return envelope(issued, { org_id: caller.orgId, id: issued.id });
  }

  @Get()
  async list(@CurrentToken() caller: Principal) {
    const rows = await this.tokens.list(caller.orgId);
    return envelope(rows.map(tokenView), { org_id: caller.orgId, total: rows.length });
  }

  @Delete(':id')
  @HttpCode(200)
  async revoke(@CurrentToken() caller: Principal, @Param('id') id: string) {
    const record = await this.tokens.revoke(id, caller.orgId);
    return { meta: { org_id: caller.orgId, id: record.id }, message: `Token with ID '${record.id}' successfully revoked` };
  }
}

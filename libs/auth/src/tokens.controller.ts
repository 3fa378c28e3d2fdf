import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsInt, IsObject, IsOptional, IsString, Matches, Max, MaxLength, Min } from 'class-validator';
import { ApiData, ApiField, ApiMessage, ApiOptionalField, ApiProblems, arrayOf, badRequest, BODY_PROBLEMS, envelope, MAX_RATE_PER_MINUTE } from '@app/common';
import { ACCESS_LEVELS, parseDuration, SCOPES, Scopes } from './access-levels';
import { CurrentToken, RequireAccess } from './decorators';
import { actorOf, Principal } from './principal';
import { tokenSchema } from './openapi/token.schemas';
import { tokenView, TokenService } from './token.service';

const EXPIRES_IN_PATTERN = /^\d{1,6}[smhd]$/;

export class CreateTokenDto {
  @ApiOptionalField({ type: 'string', maxLength: 200 })
  @IsOptional() @IsString() @MaxLength(200) name?: string;
  @ApiField(tokenSchema('Scopes'))
  @IsObject() scopes: Scopes;
  @ApiOptionalField({ type: 'string', pattern: EXPIRES_IN_PATTERN.source, description: 'e.g. 30d, 12h, 15m or 3600s; left out: the token does not expire' })
  @IsOptional() @Matches(EXPIRES_IN_PATTERN, { message: 'expires_in must look like 30d, 12h, 15m or 3600s' }) expires_in?: string;
  @ApiOptionalField({ type: 'integer', minimum: 1, maximum: MAX_RATE_PER_MINUTE, description: "Requests per minute this token may send; left out: the deployment's RATE_LIMIT_PER_MINUTE" })
  @IsOptional() @IsInt() @Min(1) @Max(MAX_RATE_PER_MINUTE) rate_limit_per_minute?: number;
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

@ApiTags('Tokens')
@Controller('services/tokens')
@RequireAccess('SERVICES', 'ADMIN')
export class TokensController {
  constructor(private readonly tokens: TokenService) {}

  @Post()
  @ApiOperation({ summary: 'Issue an API token for the org', description: 'The token string is in this answer only' })
  @ApiData({ status: 201, description: 'The token', data: tokenSchema('IssuedToken'), meta: ['org_id', 'id'] })
  @ApiProblems(...BODY_PROBLEMS)
  async create(@CurrentToken() caller: Principal, @Body() body: CreateTokenDto) {
    const issued = await this.tokens.issue({
      orgId: caller.orgId,
      scopes: checkScopes(body.scopes),
      name: body.name,
      expiresInSeconds: body.expires_in ? parseDuration(body.expires_in) : undefined,
      createdBy: actorOf(caller),
      rateLimitPerMinute: body.rate_limit_per_minute,
    });
    return envelope(issued, { org_id: caller.orgId, id: issued.id });
  }

  @Get()
  @ApiOperation({ summary: "List the org's tokens", description: 'Newest first, revoked ones included; never the token strings' })
  @ApiData({ description: 'The tokens', data: arrayOf(tokenSchema('Token')), meta: ['org_id', 'total'] })
  async list(@CurrentToken() caller: Principal) {
    const rows = await this.tokens.list(caller.orgId);
    return envelope(rows.map(tokenView), { org_id: caller.orgId, total: rows.length });
  }

  @Delete(':id')
  @HttpCode(200)
  @ApiOperation({ summary: 'Revoke a token', description: 'Its requests get 401 within TOKEN_CACHE_TTL_MS, and its live streams are closed' })
  @ApiMessage('Revoked', ['org_id', 'id'])
  @ApiProblems('TOKEN_NOT_FOUND', 'FORBIDDEN')
  async revoke(@CurrentToken() caller: Principal, @Param('id') id: string) {
    const record = await this.tokens.revoke(id, caller.orgId);
    return { meta: { org_id: caller.orgId, id: record.id }, message: `Token with ID '${record.id}' successfully revoked` };
  }
}

import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { ApiData, ApiProblems, envelope } from '@app/common';
import { deliverySchema } from '../openapi/delivery.schemas';
import { OrgWebhookSecrets } from './org-webhook-secrets';

/** The org's webhook signing secret: readable once, rotatable (ADMIN). */
@ApiTags('Webhooks')
@Controller('services/webhooks/signing-secret')
@RequireAccess('SERVICES', 'ADMIN')
export class SigningSecretController {
  constructor(private readonly secrets: OrgWebhookSecrets) {}

  @Get()
  @ApiOperation({ summary: "The org's webhook signing secret, once", description: 'A second read is refused: rotate to see a new one' })
  @ApiData({ description: 'The secret', data: deliverySchema('WebhookSigningSecret'), meta: ['org_id'] })
  @ApiProblems('ORG_NOT_FOUND', 'SECRET_ALREADY_REVEALED')
  async reveal(@CurrentToken() caller: Principal) {
    return envelope(await this.secrets.reveal(caller.orgId), { org_id: caller.orgId });
  }

  @Post('rotate')
  @HttpCode(200)
  @ApiOperation({ summary: "Rotate the org's webhook signing secret", description: 'The new secret is shown in this answer only; the previous one keeps signing for a grace period' })
  @ApiData({ description: 'The new secret', data: deliverySchema('WebhookSigningSecret'), meta: ['org_id'] })
  @ApiProblems('ORG_NOT_FOUND')
  async rotate(@CurrentToken() caller: Principal) {
    return envelope(await this.secrets.rotate(caller.orgId), { org_id: caller.orgId });
  }
}

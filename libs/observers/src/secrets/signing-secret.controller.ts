import { Controller, Get, HttpCode, Post } from '@nestjs/common';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { envelope } from '@app/common';
import { OrgWebhookSecrets } from './org-webhook-secrets';

/** The org's webhook signing secret: readable once, rotatable (ADMIN). */
@Controller('services/webhooks/signing-secret')
@RequireAccess('SERVICES', 'ADMIN')
export class SigningSecretController {
  constructor(private readonly secrets: OrgWebhookSecrets) {}

  @Get()
  async reveal(@CurrentToken() caller: Principal) {
    return envelope(await this.secrets.reveal(caller.orgId), { org_id: caller.orgId });
  }

  @Post('rotate')
  @HttpCode(200)
  async rotate(@CurrentToken() caller: Principal) {
    return envelope(await this.secrets.rotate(caller.orgId), { org_id: caller.orgId });
  }
}

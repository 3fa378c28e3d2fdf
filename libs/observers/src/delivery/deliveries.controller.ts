import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { envelope, PageQueryDto } from '@app/common';
import { DeliveriesQueryService } from './deliveries-query.service';
import { DeliveryAttemptsService } from './delivery-attempts.service';

/** A job's webhook deliveries and manual redelivery. */
@Controller('services/agent-jobs/:id/deliveries')
export class DeliveriesController {
  constructor(
    private readonly queries: DeliveriesQueryService,
    private readonly attempts: DeliveryAttemptsService,
  ) {}

  @Get()
  @RequireAccess('SERVICES', 'READ')
  list(@CurrentToken() caller: Principal, @Param('id') jobId: string, @Query() page: PageQueryDto) {
    return this.queries.list(caller.orgId, jobId, page);
  }

  @Post(':delivery_id/redeliver')
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE')
  async redeliver(@CurrentToken() caller: Principal, @Param('id') jobId: string, @Param('delivery_id') deliveryId: string) {
    const result = await this.attempts.redeliver(caller.orgId, jobId, deliveryId);
    return envelope(result, { org_id: caller.orgId, job_id: jobId, delivery_id: deliveryId });
  }
}

import { Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { CurrentToken, Principal, RequireAccess } from '@app/auth';
import { ApiData, ApiProblems, arrayOf, envelope, PAGE_META, PageQueryDto } from '@app/common';
import { deliverySchema } from '../openapi/delivery.schemas';
import { DeliveriesQueryService } from './deliveries-query.service';
import { DeliveryAttemptsService } from './delivery-attempts.service';

/** A job's webhook deliveries and manual redelivery. */
@ApiTags('Webhooks')
@Controller('services/agent-jobs/:id/deliveries')
export class DeliveriesController {
  constructor(
    private readonly queries: DeliveriesQueryService,
    private readonly attempts: DeliveryAttemptsService,
  ) {}

  @Get()
  @RequireAccess('SERVICES', 'READ')
  @ApiOperation({ summary: "A job's webhook deliveries", description: 'To its callback_url and observers (and its parent\'s observers, for a subjob), each with its attempts' })
  @ApiData({ description: 'A page of deliveries', data: arrayOf(deliverySchema('Delivery')), meta: [...PAGE_META, 'job_id'] })
  @ApiProblems('JOB_NOT_FOUND', 'FORBIDDEN')
  list(@CurrentToken() caller: Principal, @Param('id') jobId: string, @Query() page: PageQueryDto) {
    return this.queries.list(caller.orgId, jobId, page);
  }

  @Post(':delivery_id/redeliver')
  @HttpCode(200)
  @RequireAccess('SERVICES', 'WRITE')
  @ApiOperation({ summary: 'Send a delivery again, now', description: 'One manual attempt with the same webhook-id; it does not count against the automatic retries' })
  @ApiData({ description: 'The attempt', data: deliverySchema('Redelivery'), meta: ['org_id', 'job_id', 'delivery_id'] })
  @ApiProblems('JOB_NOT_FOUND', 'FORBIDDEN', 'DELIVERY_NOT_FOUND')
  async redeliver(@CurrentToken() caller: Principal, @Param('id') jobId: string, @Param('delivery_id') deliveryId: string) {
    const result = await this.attempts.redeliver(caller.orgId, jobId, deliveryId);
    return envelope(result, { org_id: caller.orgId, job_id: jobId, delivery_id: deliveryId });
  }
}

import { Controller, Get, Header, Headers, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { ApiProblems, AppConfig, notFound, unauthorized } from '@app/common';
import { MetricsService, scrapeAllowed } from '@app/common/metrics';

/** GET /metrics: Prometheus text format; bearer METRICS_TOKEN when set, open otherwise; 404 with METRICS_ENABLED=false. */
@ApiTags('Metrics')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService, private readonly config: AppConfig) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'Prometheus metrics of this process',
    description: 'Prometheus text format (series prefixed `agent_jobs_`). Open unless METRICS_TOKEN is set; then `Authorization: Bearer <METRICS_TOKEN>` (not an API token) is required, else 401. 404 when METRICS_ENABLED=false.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'The metrics', content: { 'text/plain': { schema: { type: 'string' } } } })
  @ApiProblems('UNAUTHORIZED', 'NOT_FOUND')
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) res: Response): Promise<string> {
    if (!this.metrics.enabled) throw notFound('NOT_FOUND', 'Metrics are turned off (METRICS_ENABLED=false)');
    if (!scrapeAllowed(this.config.METRICS_TOKEN, authorization)) throw unauthorized('GET /metrics needs the bearer METRICS_TOKEN');
    const body = await this.metrics.render();
    res.setHeader('Content-Type', this.metrics.contentType);
    return body;
  }
}

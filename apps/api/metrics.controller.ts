import { Controller, Get, Header, Headers, Res } from '@nestjs/common';
import type { Response } from 'express';
import { AppConfig, notFound, unauthorized } from '@app/common';
import { MetricsService, scrapeAllowed } from '@app/common/metrics';

/** GET /metrics: Prometheus text format; bearer METRICS_TOKEN when set, open otherwise; 404 with METRICS_ENABLED=false. */
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService, private readonly config: AppConfig) {}

  @Get()
  @Header('Cache-Control', 'no-store')
  async scrape(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) res: Response): Promise<string> {
    if (!this.metrics.enabled) throw notFound('NOT_FOUND', 'Metrics are turned off (METRICS_ENABLED=false)');
    if (!scrapeAllowed(this.config.METRICS_TOKEN, authorization)) throw unauthorized('GET /metrics needs the bearer METRICS_TOKEN');
    const body = await this.metrics.render();
    res.setHeader('Content-Type', this.metrics.contentType);
    return body;
  }
}

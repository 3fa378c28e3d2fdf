import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '@app/common';
import { MetricsHttpServer, MetricsService } from '@app/common/metrics';

/** A worker process has no HTTP API: with METRICS_PORT set it serves its GET /metrics on that port, for as long as it runs. */
@Injectable()
export class WorkerMetricsServer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WorkerMetricsServer.name);
  private server?: MetricsHttpServer;

  constructor(private readonly config: AppConfig, private readonly metrics: MetricsService) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.METRICS_PORT === undefined) return;
    this.server = new MetricsHttpServer(this.metrics, this.config.METRICS_TOKEN);
    const port = await this.server.listen(this.config.METRICS_PORT);
    this.logger.log(`metrics on :${port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server?.close();
  }
}

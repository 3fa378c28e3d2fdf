import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import type { Queue } from 'bull';
import { AppConfig } from '@app/common';
import { logFieldsOf, withLogContext } from '@app/common/logging';
import { TaskRunnerService } from '@app/jobs';
import { AGENT_TASKS_QUEUE, AgentTaskPayload } from '@app/queue';

/**
 * Thin Bull processor: hands each task to TaskRunnerService, in a log context naming its org,
 * job and task. Registered by hand rather than with @Process so that its concurrency comes
 * from validated config.
 */
@Injectable()
export class TaskProcessor implements OnApplicationBootstrap {
  private readonly logger = new Logger(TaskProcessor.name);

  constructor(
    @InjectQueue(AGENT_TASKS_QUEUE) private readonly queue: Queue<AgentTaskPayload>,
    private readonly runner: TaskRunnerService,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    void this.queue.process(this.config.WORKER_CONCURRENCY, (job) => withLogContext(logFieldsOf(job.data), () => this.runner.run(job.data)));
    this.queue.on('error', (err) => this.logger.warn(`queue error: ${err.message}`));
  }
}

import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { AGENT_TASKS_QUEUE, AgentTaskPayload } from './queue-names';

export interface QueuedTask extends AgentTaskPayload {
  run_at: Date;
}

/** Thin producer: the only code that puts agent tasks on Bull or takes them off. */
@Injectable()
export class TaskQueue {
  private readonly logger = new Logger(TaskQueue.name);

  constructor(@InjectQueue(AGENT_TASKS_QUEUE) readonly queue: Queue<AgentTaskPayload>) {}

  /**
   * Idempotent: Bull ignores an add whose job id exists, and the job id is the task id.
   * Returns false when Redis is unreachable; the reconciler enqueues it later.
   */
  async enqueue(task: QueuedTask): Promise<boolean> {
    try {
      await this.queue.add(
        { org_id: task.org_id, job_id: task.job_id, task_id: task.task_id },
        { jobId: task.task_id, delay: Math.max(0, task.run_at.getTime() - Date.now()) },
      );
      return true;
    } catch (err) {
      this.logger.warn(`enqueue of ${task.task_id} deferred to the reconciler: ${(err as Error).message}`);
      return false;
    }
  }

  async enqueueMany(tasks: QueuedTask[]): Promise<void> {
    await Promise.all(tasks.map((t) => this.enqueue(t)));
  }

  /**
   * Enqueues only the tasks whose Bull job is gone (Redis lost it, or the enqueue after the
   * insert failed), for the reconciler's sweep. A pipelined EXISTS per task, one round trip,
   * instead of an addJob script per task: the sweep sees every pending task due soon on each
   * pass, so adding them all costs ~5 redundant script calls per task per worker.
   * Returns how many were enqueued.
   */
  async enqueueMissing(tasks: QueuedTask[]): Promise<number> {
    if (!tasks.length) return 0;
    let missing = tasks;
    try {
      const pipeline = this.queue.client.pipeline();
      for (const t of tasks) pipeline.exists(this.queue.toKey(t.task_id));
      const results = (await pipeline.exec()) ?? [];
      missing = tasks.filter((_, i) => {
        const [err, exists] = results[i] ?? [null, 0];
        return err !== null || exists !== 1;
      });
    } catch {
      // Redis unreachable: enqueue() below logs and leaves them for the next pass.
    }
    await this.enqueueMany(missing);
    return missing.length;
  }

  /** Removes a waiting or delayed task; a running one is stopped through JobAbortBus. */
  async remove(taskId: string): Promise<void> {
    try {
      const job = await this.queue.getJob(taskId);
      if (job && !(await job.isActive())) await job.remove();
    } catch (err) {
      this.logger.warn(`could not remove queued task ${taskId}: ${(err as Error).message}`);
    }
  }
}

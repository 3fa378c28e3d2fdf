import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { BullPresence } from './bull-presence';
import { AGENT_TASKS_QUEUE, AgentTaskPayload } from './queue-names';

export interface QueuedTask extends AgentTaskPayload {
  run_at: Date;
}

/** Thin producer: the only code that puts agent tasks on Bull or takes them off. */
@Injectable()
export class TaskQueue {
  private readonly logger = new Logger(TaskQueue.name);
  private readonly presence: BullPresence;

  constructor(@InjectQueue(AGENT_TASKS_QUEUE) readonly queue: Queue<AgentTaskPayload>) {
    this.presence = new BullPresence(queue);
  }

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
   * insert failed), for the reconciler's sweep (see BullPresence). Tasks not due yet are
   * asked about on every pass, so a lost scheduled task is back before its time.
   * Returns how many were enqueued.
   */
  async enqueueMissing(tasks: QueuedTask[]): Promise<number> {
    const now = Date.now();
    const missing = await this.presence.missing(tasks, (t) => t.task_id, (t) => t.run_at.getTime() <= now);
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

import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { BullPresence } from './bull-presence';
import { AGENT_TASKS_QUEUE, AgentTaskPayload } from './queue-names';
import { RedisEpoch } from './redis-epoch';

export interface QueuedTask extends AgentTaskPayload {
  run_at: Date;
  /** How many times the task was claimed (0 for a new task); names its run (TaskQueue.jobId). */
  claims?: number;
}

/** Thin producer: the only code that puts agent tasks on Bull or takes them off. */
@Injectable()
export class TaskQueue {
  private readonly logger = new Logger(TaskQueue.name);
  private readonly presence: BullPresence;

  constructor(@InjectQueue(AGENT_TASKS_QUEUE) readonly queue: Queue<AgentTaskPayload>, epoch: RedisEpoch) {
    this.presence = new BullPresence(queue);
    epoch.onLoss(() => this.presence.forget());
  }

  /**
   * The Bull job id of a task's run: the task id for its first run, `<task id>:<claims>` for
   * the run after a worker handed it back (or died) having claimed it `claims` times. The
   * Bull job of the earlier run may still exist then (a dead worker's stays active until
   * Bull's stalled check), and an add under its id would be dropped.
   */
  static jobId(taskId: string, claims = 0): string {
    return claims === 0 ? taskId : `${taskId}:${claims}`;
  }

  /**
   * Idempotent: Bull ignores an add whose job id exists (see jobId).
   * Returns false when Redis is unreachable; the reconciler enqueues it later.
   */
  async enqueue(task: QueuedTask): Promise<boolean> {
    try {
      await this.queue.add(
        { org_id: task.org_id, job_id: task.job_id, task_id: task.task_id },
        { jobId: TaskQueue.jobId(task.task_id, task.claims), delay: Math.max(0, task.run_at.getTime() - Date.now()) },
      );
      return true;
    } catch (err) {
      this.logger.warn(`enqueue of ${task.task_id} deferred to the reconciler: ${(err as Error).message}`);
      return false;
    }
  }

  /**
   * New tasks (first runs) in one Bull addBulk: one MULTI for a batch create's tasks. Returns
   * false when Redis refused it; the reconciler enqueues them later, as for enqueue.
   */
  async enqueueBulk(tasks: QueuedTask[]): Promise<boolean> {
    if (!tasks.length) return true;
    try {
      const now = Date.now();
      await this.queue.addBulk(tasks.map((task) => ({
        data: { org_id: task.org_id, job_id: task.job_id, task_id: task.task_id },
        opts: { jobId: TaskQueue.jobId(task.task_id, task.claims), delay: Math.max(0, task.run_at.getTime() - now) },
      })));
      return true;
    } catch (err) {
      this.logger.warn(`enqueue of ${tasks.length} tasks deferred to the reconciler: ${(err as Error).message}`);
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
    const missing = await this.presence.missing(tasks, (t) => TaskQueue.jobId(t.task_id, t.claims), (t) => t.run_at.getTime() <= now);
    await this.enqueueMany(missing);
    return missing.length;
  }

  /** Removes a waiting or delayed first run of a task; a running one is stopped through JobAbortBus. */
  async remove(taskId: string): Promise<void> {
    try {
      const job = await this.queue.getJob(taskId);
      if (job && !(await job.isActive())) await job.remove();
    } catch (err) {
      this.logger.warn(`could not remove queued task ${taskId}: ${(err as Error).message}`);
    }
  }
}

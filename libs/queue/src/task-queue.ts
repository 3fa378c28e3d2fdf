import { InjectQueue } from '@nestjs/bull';
import { Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bull';
import { AGENT_TASKS_QUEUE, AgentTaskPayload } from './queue-names';

const RECHECK_MS = 10_000;

export interface QueuedTask extends AgentTaskPayload {
  run_at: Date;
}

/** Thin producer: the only code that puts agent tasks on Bull or takes them off. */
@Injectable()
export class TaskQueue {
  private readonly logger = new Logger(TaskQueue.name);
  /** Overdue task id -> when Bull was last seen holding it (see enqueueMissing). */
  private readonly seenQueued = new Map<string, number>();

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
   * instead of an addJob script per task. A task already overdue that Bull was seen holding
   * within RECHECK_MS is not asked about again: under a backlog the sweep sees the same
   * thousands of due tasks on every pass, and a task Redis lost is found within RECHECK_MS
   * anyway. Tasks not due yet are checked on every pass, so a lost scheduled task is back
   * before its time. Returns how many were enqueued.
   */
  async enqueueMissing(tasks: QueuedTask[]): Promise<number> {
    const now = Date.now();
    for (const [id, at] of this.seenQueued) if (now - at > RECHECK_MS) this.seenQueued.delete(id);
    const candidates = tasks.filter((t) => t.run_at.getTime() > now || !this.seenQueued.has(t.task_id));
    if (!candidates.length) return 0;
    let missing = candidates;
    try {
      const pipeline = this.queue.client.pipeline();
      for (const t of candidates) pipeline.exists(this.queue.toKey(t.task_id));
      const results = (await pipeline.exec()) ?? [];
      missing = candidates.filter((t, i) => {
        const [err, exists] = results[i] ?? [null, 0];
        const queued = err === null && exists === 1;
        if (queued && t.run_at.getTime() <= now) this.seenQueued.set(t.task_id, now);
        return !queued;
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

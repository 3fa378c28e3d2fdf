import { Injectable } from '@nestjs/common';

export type AbortReason = 'canceled' | 'deadline' | 'shutdown';

interface InFlight {
  taskId: string;
  controller: AbortController;
}

/** The tasks this process is running now, so a cancel or timeout can abort their agent call. */
@Injectable()
export class InFlightTasks {
  private readonly byJob = new Map<string, InFlight>();

  start(jobId: string, taskId: string): AbortController {
    const controller = new AbortController();
    this.byJob.set(jobId, { taskId, controller });
    return controller;
  }

  end(jobId: string, taskId: string): void {
    if (this.byJob.get(jobId)?.taskId === taskId) this.byJob.delete(jobId);
  }

  abort(jobId: string, reason: AbortReason): void {
    this.byJob.get(jobId)?.controller.abort(reason);
  }

  /** Aborts everything (shutdown) and returns the task ids that were running. */
  abortAll(reason: AbortReason): string[] {
    const ids = [...this.byJob.values()].map((f) => f.taskId);
    for (const f of this.byJob.values()) f.controller.abort(reason);
    return ids;
  }

  get size(): number {
    return this.byJob.size;
  }
}

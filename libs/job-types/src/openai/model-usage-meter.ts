import { Injectable } from '@nestjs/common';
import type { AgentSpend } from '../agents/agent-call';
import { addUsage, ModelUsage, NO_USAGE, Usage } from './loop-types';

export interface ModelUsageCount {
  org_id: string;
  job_type_id: string;
  /** Model calls that answered (for agents outside the service: the iterations they reported). */
  calls: number;
  tokens: Usage;
}

/**
 * Model tokens spent in this process since it started, by org and job type: the one place the
 * numbers are kept for /metrics to read (counters: they only grow; each process counts its own).
 * Fed where tokens enter the service, each once: every model answer of an openai executor (as it
 * comes, so a run that fails or is aborted later still counts), every task or turn answer of an
 * HTTP or builtin agent that reports usage (AgentExecutor), and every result posted on the task
 * result route (TaskResultService). What a job, task, turn or session spent is in Postgres
 * (docs/decisions.md "Usage").
 */
@Injectable()
export class ModelUsageMeter {
  private readonly counts = new Map<string, ModelUsageCount>();

  /** One model answer, in the model's own names. */
  record(orgId: string, jobTypeId: string, usage: ModelUsage | null): void {
    this.add(orgId, jobTypeId, 1, (tokens) => addUsage(tokens, usage));
  }

  /** What an agent outside the service says it spent on one answer (nothing when it reports nothing). */
  recordReported(orgId: string, jobTypeId: string, spend: Partial<AgentSpend>): void {
    const { usage, iterations = 0 } = spend;
    if (!usage || (!usage.total && !usage.prompt && !usage.completion && !iterations)) return;
    this.add(orgId, jobTypeId, iterations, (t) => ({
      prompt: t.prompt + usage.prompt, completion: t.completion + usage.completion, total: t.total + usage.total,
    }));
  }

  /** A copy of every count. */
  snapshot(): ModelUsageCount[] {
    return [...this.counts.values()].map((c) => ({ ...c, tokens: { ...c.tokens } }));
  }

  private add(orgId: string, jobTypeId: string, calls: number, sum: (tokens: Usage) => Usage): void {
    const key = `${orgId}\u0000${jobTypeId}`;
    const c = this.counts.get(key) ?? { org_id: orgId, job_type_id: jobTypeId, calls: 0, tokens: NO_USAGE };
    this.counts.set(key, { ...c, calls: c.calls + calls, tokens: sum(c.tokens) });
  }
}

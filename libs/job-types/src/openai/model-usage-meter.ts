import { Injectable } from '@nestjs/common';
import { addUsage, ModelUsage, NO_USAGE, Usage } from './loop-types';

export interface ModelUsageCount {
  org_id: string;
  job_type_id: string;
  /** Model calls that answered. */
  calls: number;
  tokens: Usage;
}

/**
 * Model tokens spent in this process since it started, by org and job type: the one place the
 * numbers are kept, for /metrics to read (counters: they only grow). Every model answer of an
 * openai executor is counted, whether its task or turn then succeeded or not.
 */
@Injectable()
export class ModelUsageMeter {
  private readonly counts = new Map<string, ModelUsageCount>();

  record(orgId: string, jobTypeId: string, usage: ModelUsage | null): void {
    const key = `${orgId}\u0000${jobTypeId}`;
    const c = this.counts.get(key) ?? { org_id: orgId, job_type_id: jobTypeId, calls: 0, tokens: NO_USAGE };
    this.counts.set(key, { ...c, calls: c.calls + 1, tokens: addUsage(c.tokens, usage) });
  }

  /** A copy of every count. */
  snapshot(): ModelUsageCount[] {
    return [...this.counts.values()].map((c) => ({ ...c, tokens: { ...c.tokens } }));
  }
}

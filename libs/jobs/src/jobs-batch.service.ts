import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { Principal } from '@app/auth';
import { conflict, DomainError, toProblem } from '@app/common';
import { MetricsService } from '@app/common/metrics';
import { ChannelsService, TargetChannel } from '@app/channels';
import { EventsPing, TaskQueue } from '@app/queue';
import { validateJobItem } from './dto/create-jobs-batch.dto';
import { JobInsertRepository, NewJob, ParentInactive } from './job-insert.repository';
import type { JobRow } from './job-rows';
import { firstTaskView, jobView } from './job-view';
import { canonical, JobsCreateService, parentTerminal } from './jobs-create.service';

type Problem = ReturnType<typeof toProblem>;

/** An item that failed its checks: its problem, in its place among the drafts. */
class ItemFailure {
  constructor(readonly problem: Problem) {}
}

/** One item of a batch's answer: its index in `jobs`, 201 with the job, or its 4xx with the problem. */
export interface BatchItemResult {
  index: number;
  status: number;
  job: ReturnType<typeof jobView> | null;
  error: Problem | null;
}

export interface BatchAnswer {
  data: BatchItemResult[];
  meta: { org_id: string; created: number; failed: number };
}

export interface CreateBatchRequest {
  items: unknown[];
  delayMinutes?: number;
  idempotencyKey?: string;
}

/**
 * POST /services/agent-jobs/batch: every item checked as a single create checks it (the parents
 * of all items read in one query, each distinct channel prepared once), the valid ones stored in
 * one statement and enqueued in one Bull addBulk. An item's 4xx is in its place in the answer.
 */
@Injectable()
export class JobsBatchService {
  constructor(
    private readonly creator: JobsCreateService,
    private readonly rows: JobInsertRepository,
    private readonly channels: ChannelsService,
    private readonly queue: TaskQueue,
    private readonly events: EventsPing,
    private readonly metrics: MetricsService,
  ) {}

  async create(caller: Principal, req: CreateBatchRequest): Promise<BatchAnswer> {
    const hash = createHash('sha256').update(canonical({ batch: req.items, delay: req.delayMinutes ?? null })).digest('hex');
    const key = req.idempotencyKey ? { orgId: caller.orgId, key: req.idempotencyKey, hash } : null;
    if (key) {
      const replay = await this.findReplay(caller.orgId, key.key, hash);
      if (replay) return replay;
    }
    const drafts = await this.draftAll(caller, req);
    const jobs = drafts.filter((d): d is NewJob => !(d instanceof ItemFailure));
    const answerOf = (results: Array<JobRow | Error>) => this.answer(caller.orgId, drafts, jobs, results);
    // Nothing to store: no statement, and the key stays free (as for a single create that failed its checks).
    if (!jobs.length) return answerOf([]);
    let stored: { results: Array<JobRow | Error>; answer: BatchAnswer };
    if (key) {
      const claimed = await this.rows.insertAllWithKey(jobs, key, answerOf);
      if (!claimed) {
        // Another request with the same key won the race: answer as its replay.
        const replay = await this.findReplay(caller.orgId, key.key, hash);
        if (replay) return replay;
        throw conflict('IDEMPOTENCY_CONFLICT', 'A request with this Idempotency-Key is in progress; retry shortly');
      }
      stored = claimed;
    } else {
      const results = await this.rows.insertAll(jobs);
      stored = { results, answer: answerOf(results) };
    }
    this.afterStore(jobs, stored.results);
    return stored.answer;
  }

  /** Each item checked on its own; a DomainError (4xx) becomes that item's problem. */
  private async draftAll(caller: Principal, req: CreateBatchRequest): Promise<Array<NewJob | ItemFailure>> {
    const items = await Promise.all(req.items.map((item, index) => validateJobItem(item, index).catch(failure)));
    // A task token's items default to subjobs of its job (JobsCreateService.draft).
    const parentIds = new Set<string>();
    for (const item of items) {
      const parentId = item instanceof ItemFailure ? undefined : item.parent_job_id ?? caller.task?.jobId;
      // Postgres cannot compare a NUL byte: such an id is left to the item's own lookup (its 400), not the batch's query.
      if (parentId && !parentId.includes('\u0000')) parentIds.add(parentId);
    }
    const parents = await this.rows.parentLookups(caller.orgId, [...parentIds]);
    const prepared = new Map<string, Promise<string>>();
    const prepareChannel = (target: TargetChannel) => {
      const id = canonical(target);
      if (!prepared.has(id)) prepared.set(id, this.channels.prepare(caller.orgId, target));
      return prepared.get(id)!;
    };
    return Promise.all(items.map((body) => (body instanceof ItemFailure ? body : this.creator.draft(caller, body, {
      delayMinutes: req.delayMinutes,
      parentOf: async (id) => parents.get(id) ?? this.rows.parentLookup(caller.orgId, id),
      prepareChannel,
    }).catch(failure))));
  }

  private answer(orgId: string, drafts: Array<NewJob | ItemFailure>, jobs: NewJob[], results: Array<JobRow | Error>): BatchAnswer {
    const resultOf = new Map(jobs.map((j, i) => [j, results[i]]));
    const data = drafts.map((draft, index): BatchItemResult => {
      if (draft instanceof ItemFailure) return { index, status: draft.problem.status, job: null, error: draft.problem };
      const result = resultOf.get(draft)!;
      if (result instanceof Error) {
        const error = itemProblemOf(result);
        return { index, status: error.status, job: null, error };
      }
      const view = jobView(result, [], []);
      view.tasks = [firstTaskView(result, draft.taskId)];
      return { index, status: 201, job: view, error: null };
    });
    const created = data.filter((d) => d.status === 201).length;
    return { data, meta: { org_id: orgId, created, failed: data.length - created } };
  }

  /** What a single create does once its job is stored: the events ping, metrics, and the enqueue (not awaited). */
  private afterStore(jobs: NewJob[], results: Array<JobRow | Error>): void {
    const stored = jobs.filter((_, i) => !(results[i] instanceof Error));
    if (!stored.length) return;
    this.events.written();
    for (const j of stored) this.metrics.jobCreated(j.status, j.body.job_type_id);
    void this.queue.enqueueBulk(stored.map((j) => ({ org_id: j.orgId, job_id: j.jobId, task_id: j.taskId, run_at: j.runAt })));
  }

  /** The first answer under a live key of the org, if the request is the same (else 422). */
  private async findReplay(orgId: string, key: string, hash: string): Promise<BatchAnswer | null> {
    const replay = await this.rows.batchReplayOf(orgId, key);
    if (!replay) return null;
    if (replay.requestHash !== hash || !replay.answer) {
      throw new DomainError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request body');
    }
    return replay.answer as BatchAnswer;
  }
}

/** An item's own failure as its problem; anything that is not the item's fault (an outage: 503) fails the request. */
function itemProblemOf(err: Error): Problem {
  const problem = toProblem(err instanceof ParentInactive ? parentTerminal(err.parentId) : err);
  if (problem.status >= 500) throw err;
  return problem;
}

const failure = (err: Error): ItemFailure => new ItemFailure(itemProblemOf(err));

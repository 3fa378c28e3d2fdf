import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { OrgLookup, ownedOrThrow } from '@app/database';
import { Principal, actorOf } from '@app/auth';
import { conflict, DomainError, FieldError, forbidden, newId, validationFailed } from '@app/common';
import { MetricsService } from '@app/common/metrics';
import { OutboundHttpClient } from '@app/common/outbound';
import { checkConfig, JobConfig, JobTypesService, JsonSchemas, mergeConfig } from '@app/job-types';
import { ChannelsService, TargetChannel } from '@app/channels';
import { EventsPing, TaskQueue } from '@app/queue';
import { SessionJobs } from '@app/sessions';
import { CreateJobDto } from './dto/create-job.dto';
import { InJobTransaction, JobInsertRepository, NewJob, ParentInactive } from './job-insert.repository';
import type { JobRow } from './job-rows';
import { JobStatus, TERMINAL_STATUSES } from './job-status';
import { assertWebhookUrlsAllowed, jobWebhookUrls } from './webhook-urls';

export const MAX_DELAY_MINUTES = 7 * 24 * 60;

export interface CreateJobRequest {
  body: CreateJobDto;
  delayMinutes?: number;
  idempotencyKey?: string;
  /** Recorded as the creator instead of the caller's token, e.g. `schedule:<id>` for a schedule's fire. */
  actor?: string;
  /**
   * Runs in the transaction that stores the job, after its rows: what must commit with the job
   * or not at all (a schedule records its fire, and refuses if it was deleted meanwhile). A throw
   * stores nothing and rejects the create with that error. Not called for a replay.
   */
  inTransaction?: InJobTransaction;
}

export interface DraftOptions {
  delayMinutes?: number;
  actor?: string;
  /** The parent lookup (default: one query); the batch create reads all its parents at once. */
  parentOf?: (parentId: string) => Promise<OrgLookup<{ org_id: string; status: JobStatus }>>;
  /** The channel upsert (default: ChannelsService.prepare); the batch create prepares each distinct channel once. */
  prepareChannel?: (target: TargetChannel) => Promise<string>;
}

export interface CreateJobResult {
  job: JobRow;
  taskId: string | null;
  replayed: boolean;
}

/** Validates a create-job request, stores job + first task + event in one statement (JobInsertRepository), then enqueues. */
@Injectable()
export class JobsCreateService {
  constructor(
    private readonly rows: JobInsertRepository,
    private readonly jobTypes: JobTypesService,
    private readonly schemas: JsonSchemas,
    private readonly outbound: OutboundHttpClient,
    private readonly queue: TaskQueue,
    private readonly channels: ChannelsService,
    private readonly events: EventsPing,
    private readonly metrics: MetricsService,
    private readonly sessions: SessionJobs,
  ) {}

  async create(caller: Principal, req: CreateJobRequest): Promise<CreateJobResult> {
    const requestHash = req.idempotencyKey ? hashRequest(req) : null;
    if (req.idempotencyKey) {
      const replay = await this.findReplay(caller.orgId, req.idempotencyKey, requestHash!);
      if (replay) return { job: replay, taskId: null, replayed: true };
    }
    const draft = await this.draft(caller, req.body, { delayMinutes: req.delayMinutes, actor: req.actor });
    const { jobId, taskId, status, runAt } = draft;
    const insert = await this.insertJob({
      ...draft, idempotency: req.idempotencyKey ? { key: req.idempotencyKey, hash: requestHash! } : null,
    }, req.inTransaction);
    if (insert) this.events.written();
    if (!insert) {
      // Another request with the same key won the race: answer as its replay.
      const replay = await this.findReplay(caller.orgId, req.idempotencyKey!, requestHash!);
      if (replay) return { job: replay, taskId: null, replayed: true };
      throw conflict('IDEMPOTENCY_CONFLICT', 'A request with this Idempotency-Key is in progress; retry shortly');
    }
    this.metrics.jobCreated(status, req.body.job_type_id);
    // Not awaited: the job is stored, and an add that fails or never happens (crash) is made up by the reconciler.
    void this.queue.enqueue({ org_id: caller.orgId, job_id: jobId, task_id: taskId, run_at: runAt });
    return { job: insert, taskId, replayed: false };
  }

  /**
   * Every check of a create (org, task token, job type, config, params, URLs, channel, parent,
   * session), then the job to store: a DomainError names what is wrong with this body. The
   * batch create runs it for each item, with the parents of all its items read in one query.
   */
  async draft(caller: Principal, body: CreateJobDto, opts: DraftOptions = {}): Promise<NewJob> {
    if (body.target_channel.org_id !== caller.orgId) {
      throw forbidden('ORG_MISMATCH', 'target_channel.org_id must be the org of your token');
    }
    if (caller.task) {
      // An agent creating subjobs with its callback token: they hang under that task's job.
      body.parent_job_id ??= caller.task.jobId;
      if (body.parent_job_id !== caller.task.jobId) {
        throw forbidden('FORBIDDEN', 'A task callback token may only create subjobs of its own job');
      }
    }
    const jobType = await this.jobTypes.getRecent(caller.orgId, body.job_type_id);
    const errors: FieldError[] = [...checkConfig(body.config, 'config'), ...this.schemas.validate(jobType.params_schema, body.params ?? {}, 'params')];
    if (errors.length) throw validationFailed(errors);
    await assertWebhookUrlsAllowed(this.outbound, jobWebhookUrls(body));
    await (opts.prepareChannel ?? ((t: TargetChannel) => this.channels.prepare(caller.orgId, t)))(body.target_channel);
    if (body.parent_job_id) {
      const parent = await (opts.parentOf ?? ((id: string) => this.rows.parentLookup(caller.orgId, id)))(body.parent_job_id);
      checkParent(parent, body.parent_job_id);
    }
    // At create time only: a turn may start meanwhile; the job's tasks read the history as it is when they run.
    if (body.session_id !== undefined) await this.sessions.assertJoinable(caller.orgId, body.session_id);

    const config: JobConfig = mergeConfig(jobType.default_config, body.config as Partial<JobConfig>);
    const now = new Date();
    const requested = body.scheduled_at ? new Date(body.scheduled_at) : now;
    const jitterMs = opts.delayMinutes ? Math.floor(Math.random() * opts.delayMinutes * 60_000) : 0;
    const runAt = new Date(Math.max(requested.getTime(), now.getTime()) + jitterMs);
    const status = runAt.getTime() > now.getTime() ? 'SCHEDULED' : 'WAITING';
    return {
      jobId: newId('job'), taskId: newId('task'), orgId: caller.orgId, status, runAt, now, config, body,
      actor: opts.actor ?? actorOf(caller), idempotency: null,
    };
  }

  /** The job an Idempotency-Key of the org made, expired or not (a schedule's fire made before its body changed). */
  jobIdOfIdempotencyKey(orgId: string, key: string): Promise<string | null> {
    return this.rows.jobIdOfKey(orgId, key);
  }

  private insertJob(p: NewJob, inTransaction?: CreateJobRequest['inTransaction']): Promise<JobRow | null> {
    return this.rows.insert(p, inTransaction).catch((err) => {
      if (err instanceof ParentInactive) throw parentTerminal(err.parentId);
      throw err;
    });
  }

  /** The job a live Idempotency-Key of the org made, if the request is the same (else 422). */
  private async findReplay(orgId: string, key: string, hash: string): Promise<JobRow | null> {
    const replay = await this.rows.replayOf(orgId, key);
    if (!replay) return null;
    if (replay.requestHash !== hash) {
      throw new DomainError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request body');
    }
    return replay.job;
  }
}

/** 404 / 403 for a parent that is unknown or another org's, 409 for a terminal one. */
function checkParent(lookup: OrgLookup<{ org_id: string; status: JobStatus }>, parentId: string): void {
  const parent = ownedOrThrow(lookup, 'PARENT_JOB_NOT_FOUND', `Parent job '${parentId}'`);
  if (TERMINAL_STATUSES.includes(parent.status)) throw parentTerminal(parentId, parent.status);
}

/** A subjob's parent is terminal: seen by checkParent, or by the insert itself when a cancel won the race. */
export const parentTerminal = (parentId: string, status = 'no longer active') =>
  conflict('PARENT_JOB_TERMINAL', `Parent job '${parentId}' is ${status}: subjobs need an active parent`);

/** Canonical JSON (sorted keys) so the same body in another key order is the same request. */
export function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function hashRequest(req: CreateJobRequest): string {
  return createHash('sha256').update(canonical({ body: req.body, delay: req.delayMinutes ?? null })).digest('hex');
}

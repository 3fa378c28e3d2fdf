import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { columns, preparedQuery, StatementBatcher } from '@app/database';
import { Principal, actorOf } from '@app/auth';
import { conflict, DomainError, FieldError, forbidden, newId, notFound, validationFailed } from '@app/common';
import { MetricsService } from '@app/common/metrics';
import { OutboundHttpClient } from '@app/common/outbound';
import { checkConfig, JobConfig, JobTypesService, JsonSchemas, mergeConfig } from '@app/job-types';
import { ChannelsService } from '@app/channels';
import { EventsPing, TaskQueue } from '@app/queue';
import { CreateJobDto } from './dto/create-job.dto';
import type { JobRow } from './job-rows';
import { TERMINAL_STATUSES } from './job-status';
import { assertWebhookUrlsAllowed, jobWebhookUrls } from './webhook-urls';

const IDEMPOTENCY_TTL_HOURS = 24;
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
  inTransaction?: (em: EntityManager, job: JobRow) => Promise<void>;
}

export interface CreateJobResult {
  job: JobRow;
  taskId: string | null;
  replayed: boolean;
}

/** Validates a create-job request, stores job + first task + event in one statement, then enqueues. */
@Injectable()
export class JobsCreateService {
  private readonly inserts = new StatementBatcher<NewJob, JobRow>((jobs) => this.insertMany(jobs));

  constructor(
    private readonly db: DataSource,
    private readonly jobTypes: JobTypesService,
    private readonly schemas: JsonSchemas,
    private readonly outbound: OutboundHttpClient,
    private readonly queue: TaskQueue,
    private readonly channels: ChannelsService,
    private readonly events: EventsPing,
    private readonly metrics: MetricsService,
  ) {}

  async create(caller: Principal, req: CreateJobRequest): Promise<CreateJobResult> {
    const requestHash = req.idempotencyKey ? hashRequest(req) : null;
    if (req.idempotencyKey) {
      const replay = await this.findReplay(caller.orgId, req.idempotencyKey, requestHash!);
      if (replay) return { job: replay, taskId: null, replayed: true };
    }
    const { body } = req;
    const errors: FieldError[] = [];
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
    errors.push(...checkConfig(body.config, 'config'));
    errors.push(...this.schemas.validate(jobType.params_schema, body.params ?? {}, 'params'));
    if (errors.length) throw validationFailed(errors);
    await assertWebhookUrlsAllowed(this.outbound, jobWebhookUrls(body));
    await this.channels.prepare(caller.orgId, body.target_channel);
    if (body.parent_job_id) await this.checkParent(caller.orgId, body.parent_job_id);

    const config: JobConfig = mergeConfig(jobType.default_config, body.config as Partial<JobConfig>);
    const now = new Date();
    const requested = body.scheduled_at ? new Date(body.scheduled_at) : now;
    const jitterMs = req.delayMinutes ? Math.floor(Math.random() * req.delayMinutes * 60_000) : 0;
    const runAt = new Date(Math.max(requested.getTime(), now.getTime()) + jitterMs);
    const status = runAt.getTime() > now.getTime() ? 'SCHEDULED' : 'WAITING';
    const jobId = newId('job');
    const taskId = newId('task');

    const insert = await this.insertJob({
      jobId, taskId, orgId: caller.orgId, status, runAt, now, config, body,
      actor: req.actor ?? actorOf(caller), idempotency: req.idempotencyKey ? { key: req.idempotencyKey, hash: requestHash! } : null,
    }, req.inTransaction);
    if (insert) this.events.written();
    if (!insert) {
      // Another request with the same key won the race: answer as its replay.
      const replay = await this.findReplay(caller.orgId, req.idempotencyKey!, requestHash!);
      if (replay) return { job: replay, taskId: null, replayed: true };
      throw conflict('IDEMPOTENCY_CONFLICT', 'A request with this Idempotency-Key is in progress; retry shortly');
    }
    this.metrics.jobCreated(status, body.job_type_id);
    // Not awaited: the job is stored, and an add that fails or never happens (crash) is made up by the reconciler.
    void this.queue.enqueue({ org_id: caller.orgId, job_id: jobId, task_id: taskId, run_at: runAt });
    return { job: insert, taskId, replayed: false };
  }

  private async insertJob(p: NewJob, inTransaction?: CreateJobRequest['inTransaction']): Promise<JobRow | null> {
    if (!p.idempotency && !inTransaction) return this.inserts.run(p);

    return this.db.transaction(async (em) => {
      const [job] = await em.query(INSERT_JOBS_SQL, insertParams([p]));
      if (!job) throw parentTerminal(p.body.parent_job_id!);
      if (p.idempotency) {
        // Takes the key unless a live (unexpired) record holds it; an expired one is replaced.
        const claimed = await em.query(
          `INSERT INTO idempotency_keys (org_id, key, request_hash, job_id, expires_at)
           VALUES ($1, $2, $3, $4, now() + interval '${IDEMPOTENCY_TTL_HOURS} hours')
           ON CONFLICT (org_id, key) DO UPDATE SET request_hash = EXCLUDED.request_hash, job_id = EXCLUDED.job_id, expires_at = EXCLUDED.expires_at
           WHERE idempotency_keys.expires_at <= now()
           RETURNING job_id`,
          [p.orgId, p.idempotency.key, p.idempotency.hash, p.jobId],
        );
        if (!claimed.length) throw new KeyTaken();
      }
      await inTransaction?.(em, job as JobRow);
      return job as JobRow;
    }).catch((err) => {
      if (err instanceof KeyTaken) return null;
      throw err;
    });
  }

  /** Creates that arrive together share one INSERT of all their jobs, tasks and events. */
  private async insertMany(jobs: readonly NewJob[]): Promise<Array<JobRow | Error>> {
    const rows = await preparedQuery<JobRow>(this.db, INSERT_JOBS_SQL, insertParams(jobs));
    const byId = new Map(rows.map((r) => [r.id, r]));
    return jobs.map((j) => byId.get(j.jobId) ?? parentTerminal(j.body.parent_job_id!));
  }

  private async findReplay(orgId: string, key: string, hash: string): Promise<JobRow | null> {
    const rows = await this.db.query(
      `SELECT k.request_hash, j.* FROM idempotency_keys k JOIN jobs j ON j.id = k.job_id
       WHERE k.org_id = $1 AND k.key = $2 AND k.expires_at > now()`,
      [orgId, key],
    );
    if (!rows.length) return null;
    if (rows[0].request_hash !== hash) {
      throw new DomainError(422, 'IDEMPOTENCY_KEY_REUSED', 'This Idempotency-Key was used with a different request body');
    }
    const { request_hash: _, ...job } = rows[0];
    return job as JobRow;
  }

  private async checkParent(orgId: string, parentId: string): Promise<void> {
    const [parent] = await this.db.query(`SELECT org_id, status FROM jobs WHERE id = $1`, [parentId]);
    if (!parent) throw notFound('PARENT_JOB_NOT_FOUND', `Parent job '${parentId}' not found`);
    if (parent.org_id !== orgId) throw forbidden('FORBIDDEN', `Parent job '${parentId}' belongs to another org`);
    if (TERMINAL_STATUSES.includes(parent.status)) throw parentTerminal(parentId, parent.status);
  }
}

/** A subjob's parent is terminal: seen by checkParent, or by the insert itself when a cancel won the race. */
const parentTerminal = (parentId: string, status = 'no longer active') =>
  conflict('PARENT_JOB_TERMINAL', `Parent job '${parentId}' is ${status}: subjobs need an active parent`);

class KeyTaken extends Error {}

interface NewJob {
  jobId: string; taskId: string; orgId: string; status: string; runAt: Date; now: Date; config: JobConfig;
  body: CreateJobDto; actor: string; idempotency: { key: string; hash: string } | null;
}

/**
 * The job, its first task and its creation event for any number of jobs (arrays, one element per job).
 * A subjob is inserted only if its parent is still active once the parent and all its ancestors
 * are locked FOR KEY SHARE (the weakest lock that conflicts with the cancel's FOR UPDATE; ordinary
 * status updates do not wait for it), in id order like every statement that locks jobs. A cancel
 * locks the job it cancels before it reads the tree (JobTransitionsRepository.cancel), so either it
 * waits for this insert and then cancels the new subjob too, or this insert waits for it and finds
 * the parent CANCELED: the subjob is then left out of RETURNING (409 PARENT_JOB_TERMINAL).
 */
export const INSERT_JOBS_SQL = `
  WITH RECURSIVE input AS (
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::jsonb[], $7::jsonb[], $8::jsonb[],
                         $9::jsonb[], $10::timestamptz[], $11::timestamptz[], $12::text[], $13::text[], $14::jsonb[], $15::text[], $16::text[])
      AS i(id, org_id, job_type_id, status, channel_code, target_channel, params, config,
           metadata, scheduled_at, created_at, parent_job_id, callback_url, observers, created_by, task_id)
  ), chain AS (
    SELECT DISTINCT parent_job_id AS id, 0 AS up FROM input WHERE parent_job_id IS NOT NULL
    UNION
    SELECT p.parent_job_id, chain.up + 1 FROM jobs p JOIN chain ON p.id = chain.id WHERE p.parent_job_id IS NOT NULL AND chain.up < 50
  ), ancestors AS (
    SELECT id, status FROM jobs WHERE id IN (SELECT id FROM chain) ORDER BY id FOR KEY SHARE
  ), live AS (
    SELECT coalesce(array_agg(id) FILTER (WHERE status IN ('WAITING', 'SCHEDULED', 'RUNNING')), '{}') AS ids FROM ancestors
  ), j AS (
    INSERT INTO jobs (id, org_id, job_type_id, status, channel_code, target_channel, params, config, metadata,
                      scheduled_at, created_at, updated_at, parent_job_id, callback_url, observers, created_by)
    SELECT id, org_id, job_type_id, status, channel_code, target_channel, params, config, metadata,
           scheduled_at, created_at, created_at, parent_job_id, callback_url, observers, created_by
    FROM input
    WHERE parent_job_id IS NULL OR parent_job_id = ANY ((SELECT ids FROM live)::text[])
    RETURNING *
  ), t AS (
    INSERT INTO tasks (id, job_id, org_id, kind, attempt, status, run_at, created_at)
    SELECT i.task_id, j.id, j.org_id, 'initial', 1, 'PENDING', j.scheduled_at, j.created_at FROM j JOIN input i ON i.id = j.id
  ), e AS (
    INSERT INTO job_events (job_id, org_id, from_status, to_status, at, actor, dispatched)
    SELECT j.id, j.org_id, NULL, j.status, j.created_at, j.created_by, true FROM j
  )
  SELECT * FROM j`;

function insertParams(jobs: readonly NewJob[]): unknown[][] {
  const json = (v: unknown) => (v === undefined || v === null ? null : JSON.stringify(v));
  return columns(jobs,
    (j) => j.jobId, (j) => j.orgId, (j) => j.body.job_type_id, (j) => j.status,
    (j) => j.body.target_channel.code, (j) => JSON.stringify(j.body.target_channel),
    (j) => JSON.stringify(j.body.params ?? {}), (j) => JSON.stringify(j.config), (j) => json(j.body.metadata),
    (j) => j.runAt, (j) => j.now, (j) => j.body.parent_job_id ?? null, (j) => j.body.callback_url ?? null,
    (j) => json(j.body.observers), (j) => j.actor, (j) => j.taskId);
}

/** Canonical JSON (sorted keys) so the same body in another key order is the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function hashRequest(req: CreateJobRequest): string {
  return createHash('sha256').update(canonical({ body: req.body, delay: req.delayMinutes ?? null })).digest('hex');
}

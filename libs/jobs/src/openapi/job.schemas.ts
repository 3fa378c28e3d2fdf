import {
  ANY_JSON, arrayOf, enumOf, EventStream, INTEGER, JSON_OBJECT, nullable, object, ref, refsTo, SchemaMap, TEXT, TIMESTAMP,
} from '@app/common';
import { jobTypeSchema } from '@app/job-types';
import { JOB_STATUSES } from '../job-status';

const TASK_STATUSES = ['PENDING', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED'];
const time = nullable(TIMESTAMP);
const agentError = nullable(ref('AgentError'));

/** The Job representation (job-view.ts, job-json.sql.ts) and what hangs off it. */
export const JOB_SCHEMAS = {
  AgentError: object({ code: TEXT, message: TEXT }, { description: 'docs/decisions.md lists the codes (TIMEOUT, AGENT_TIMEOUT, OUTPUT_SCHEMA_MISMATCH...) or the agent\'s own' }),
  Task: object({
    task_id: TEXT,
    kind: enumOf(['initial', 'retry', 'follow_up']),
    attempt: INTEGER,
    status: enumOf(TASK_STATUSES),
    created_at: TIMESTAMP,
    run_at: { ...TIMESTAMP, description: 'When it is due' },
    started_at: time,
    finished_at: time,
    result: ANY_JSON,
    error: agentError,
    usage: jobTypeSchema('Usage'),
    tool_calls: arrayOf(jobTypeSchema('ToolCall'), { description: 'As the agent reported them' }),
    iterations: { ...INTEGER, description: 'Model calls the agent reported (0: unknown)' },
  }),
  JobDelivery: object({
    status: enumOf(['PENDING', 'DELIVERED', 'FAILED']),
    platform: TEXT,
    channel: TEXT,
    ts: { type: ['string', 'null'], description: "Slack: the ts of the job's first post" },
    attempts: INTEGER,
    error: agentError,
  }, { description: 'The outcome of delivering the result to target_channel' }),
  Job: object({
    job_id: TEXT,
    org_id: TEXT,
    channel_code: { type: ['string', 'null'] },
    job_type_id: TEXT,
    job_status: enumOf(JOB_STATUSES),
    created_at: TIMESTAMP,
    updated_at: TIMESTAMP,
    scheduled_at: TIMESTAMP,
    started_at: time,
    completed_at: time,
    tasks: arrayOf(ref('Task'), { description: 'Oldest first' }),
    result: ANY_JSON,
    error: agentError,
    params: JSON_OBJECT,
    config: jobTypeSchema('JobConfig'),
    target_channel: ref('TargetChannel'),
    metadata: nullable(JSON_OBJECT),
    parent_job_id: { type: ['string', 'null'] },
    subjobs: arrayOf(TEXT, { description: 'The subjobs\' ids, oldest first' }),
    callback_url: { type: ['string', 'null'] },
    observers: arrayOf(ref('Observer')),
    cancel_reason: { type: ['string', 'null'] },
    canceled_by: { type: ['string', 'null'], description: 'The token (or `agent`, `schedule:<id>`...) that canceled it' },
    canceled_at: time,
    delivery: nullable(ref('JobDelivery')),
    session_id: { type: ['string', 'null'], description: 'The session the job runs in' },
    usage: { ...jobTypeSchema('Usage'), description: "The sum of its tasks' usage" },
    iterations: { ...INTEGER, description: "The sum of its tasks' iterations" },
  }),
  JobEvent: object({
    id: { ...INTEGER, description: 'Increasing, unique in the deployment' },
    job_id: TEXT,
    kind: enumOf(['transition', 'delivery'], 'transition: a status change; delivery: a result delivery outcome of a finished job (from = to)'),
    from: nullable(enumOf(JOB_STATUSES)),
    to: enumOf(JOB_STATUSES),
    at: TIMESTAMP,
    actor: TEXT,
    reason: { type: ['string', 'null'] },
    task_id: { type: ['string', 'null'] },
  }),
  JobBatchItem: object({
    index: { ...INTEGER, description: "The item's place in `jobs` (from 0)" },
    status: { ...INTEGER, description: "201: created; else the 4xx a single create of this item would answer" },
    job: nullable(ref('Job')),
    error: { ...nullable(ref('ProblemDetails')), description: 'The problem a single create of this item would answer (fields are paths inside the item)' },
  }, { description: 'One item of a batch create: the job, or why it was not created' }),
  TaskResultApplied: object({
    job_id: TEXT,
    task_id: TEXT,
    applied: enumOf(['completed', 'failed', 'retry', 'follow_up'], 'What the result did to the job'),
  }),
} satisfies SchemaMap;

export const jobSchema = refsTo(JOB_SCHEMAS);

/** A job stream's messages: `id:` the event id, `event:` its kind, `data:` the event. */
export const JOB_EVENT_STREAM: EventStream = {
  transition: { description: 'A status change', data: jobSchema('JobEvent') },
  delivery: { description: 'A result delivery outcome on a finished job', data: jobSchema('JobEvent') },
};

import { JSON_OBJECT, nullable, object, refsTo, SchemaMap, TEXT, TIMESTAMP } from '@app/common';

/** The Schedule representation (schedule-row.ts) and its fire history. */
export const SCHEDULE_SCHEMAS = {
  Schedule: object({
    id: TEXT,
    org_id: TEXT,
    name: { type: ['string', 'null'] },
    cron: { ...TEXT, description: 'As stored (normalized)' },
    timezone: TEXT,
    job: { ...JSON_OBJECT, description: 'The create-job body each fire uses' },
    enabled: { type: 'boolean' },
    next_run_at: { ...nullable(TIMESTAMP), description: 'null while paused' },
    last_run_at: nullable(TIMESTAMP),
    last_job_id: { type: ['string', 'null'] },
    created_at: TIMESTAMP,
    updated_at: TIMESTAMP,
  }),
  ScheduleRun: object({
    fire_at: TIMESTAMP,
    job_id: { type: ['string', 'null'], description: 'The job the fire created; null when it was refused' },
    catch_up: { type: 'boolean', description: 'A fire time made up after the workers were down' },
    error: nullable(object({
      code: { ...TEXT, description: 'The 4xx code the job creation was refused with, or SCHEDULE_PAUSED' },
      message: TEXT,
      errors: { type: 'array', items: object({ field: TEXT, message: TEXT }) },
    }, { optional: ['errors'] })),
    created_at: TIMESTAMP,
  }),
} satisfies SchemaMap;

export const scheduleSchema = refsTo(SCHEDULE_SCHEMAS);

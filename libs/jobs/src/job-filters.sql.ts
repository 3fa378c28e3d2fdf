import type { ListJobsQueryDto } from './dto/list-jobs.query';

/** The list filters other than `status` (each list or clear handles statuses its own way). */
export type JobFilters = Pick<ListJobsQueryDto,
  'scheduled_at' | 'scheduled_at_gte' | 'scheduled_at_lte' | 'created_at_gte' | 'created_at_lte' | 'job_type_id' | 'channel_code'>;

/**
 * Appends the filters' conditions to `where`, their values to `params` (placeholders numbered
 * after what `params` holds): the one reading of the filters of GET and DELETE /services/agent-jobs.
 */
export function addJobFilters(q: JobFilters, where: string[], params: unknown[]): void {
  const add = (sql: string, value: unknown) => {
    params.push(value);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (q.scheduled_at) add('scheduled_at = ?', q.scheduled_at);
  if (q.scheduled_at_gte) add('scheduled_at >= ?', q.scheduled_at_gte);
  if (q.scheduled_at_lte) add('scheduled_at <= ?', q.scheduled_at_lte);
  if (q.created_at_gte) add('created_at >= ?', q.created_at_gte);
  if (q.created_at_lte) add('created_at <= ?', q.created_at_lte);
  if (q.job_type_id !== undefined) add('job_type_id = ?', q.job_type_id);
  if (q.channel_code !== undefined) add('channel_code = ?', q.channel_code);
}

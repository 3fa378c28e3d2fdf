import { ApiProperty, PickType } from '@nestjs/swagger';
import { QueryParam, QueryParser } from '@app/common';
import { JobStatus, TERMINAL_STATUSES } from '../job-status';
import { ListJobsQueryDto } from './list-jobs.query';

const terminalStatusList: QueryParser<JobStatus[]> = {
  parse: (text) => {
    const statuses = text.split(',').map((s) => s.trim().toUpperCase()) as JobStatus[];
    return statuses.every((s) => TERMINAL_STATUSES.includes(s)) ? statuses : undefined;
  },
  expected: `must be one or more of the finished statuses ${TERMINAL_STATUSES.join(', ')}`,
  schema: { type: 'string', description: `Required: one or more of ${TERMINAL_STATUSES.join(', ')}, comma-separated (e.g. COMPLETED,FAILED)` },
};

/**
 * The query of DELETE /services/agent-jobs: the list's filters (the same parsers and
 * documents, picked from ListJobsQueryDto) with `status` required and finished only; no paging.
 */
export class ClearJobsQueryDto extends PickType(ListJobsQueryDto, [
  'scheduled_at', 'scheduled_at_gte', 'scheduled_at_lte', 'created_at_gte', 'created_at_lte', 'job_type_id', 'channel_code',
] as const) {
  /** Checked as required by the service (a query parameter's decorator documents it as optional otherwise). */
  @ApiProperty({ required: true })
  @QueryParam(terminalStatusList)
  status?: JobStatus[];
}

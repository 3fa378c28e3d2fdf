import { integer, QueryParam } from '@app/common';
import { MAX_DELAY_MINUTES } from '../jobs-create.service';

/** The query of POST /services/agent-jobs: `delay`, the most minutes of random delay added to the due time. */
export class CreateJobQueryDto {
  @QueryParam(integer(0, MAX_DELAY_MINUTES), { description: 'A random delay of 0 to this many minutes is added to the due time, to spread out jobs created for the same moment' })
  delay?: number;
}

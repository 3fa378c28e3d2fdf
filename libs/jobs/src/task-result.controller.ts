import { CurrentToken, Principal, RequireTaskCallbackToken } from '@app/auth';
import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiData, ApiProblems, BODY_PROBLEMS, envelope } from '@app/common';
import { TaskResultDto } from './dto/task-result.dto';
import { TaskResultService } from './task-result.service';
import { jobSchema } from './openapi/job.schemas';

/**
 * Where an agent that answered 202 reports its result. Authenticated by the task's
 * callback token (not an API token), checked by a guard: it is valid for that one task only.
 */
@ApiTags('Agents')
@Controller('services/agent-jobs/:id/tasks/:task_id/result')
export class TaskResultController {
  constructor(private readonly results: TaskResultService) {}

  @Post()
  @HttpCode(200)
  @RequireTaskCallbackToken()
  @ApiOperation({ summary: "An agent reports a task's result", description: 'For an agent that answered 202: the same body as its 200 answers. Authenticated by the `callback.token` the task was sent with (valid for that task only).' })
  @ApiData({ description: 'The result was applied', data: jobSchema('TaskResultApplied'), meta: ['org_id', 'job_id'] })
  @ApiProblems(...BODY_PROBLEMS, 'TASK_NOT_FOUND', 'TASK_NOT_RUNNING')
  async report(
    @Param('id') jobId: string,
    @Param('task_id') taskId: string,
    @CurrentToken() caller: Principal,
    @Body() body: TaskResultDto,
  ) {
    const applied = await this.results.report(caller.orgId, jobId, taskId, body);
    return envelope({ job_id: jobId, task_id: taskId, applied }, { org_id: caller.orgId, job_id: jobId });
  }
}

import { ApiTaskCallbackToken, CallbackTokens } from '@app/auth';
import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiData, ApiProblems, BODY_PROBLEMS, envelope } from '@app/common';
import { TaskResultDto } from './dto/task-result.dto';
import { TaskResultService } from './task-result.service';
import { jobSchema } from './openapi/job.schemas';

/**
 * Where an agent that answered 202 reports its result. Authenticated by the task's
 * callback token (not an API token): it is valid for that one task only.
 */
@ApiTags('Agents')
@Controller('services/agent-jobs/:id/tasks/:task_id/result')
export class TaskResultController {
  constructor(private readonly callbacks: CallbackTokens, private readonly results: TaskResultService) {}

  @Post()
  @HttpCode(200)
  @ApiTaskCallbackToken()
  @ApiOperation({ summary: "An agent reports a task's result", description: 'For an agent that answered 202: the same body as its 200 answers. Authenticated by the `callback.token` the task was sent with (valid for that task only).' })
  @ApiData({ description: 'The result was applied', data: jobSchema('TaskResultApplied'), meta: ['org_id', 'job_id'] })
  @ApiProblems(...BODY_PROBLEMS, 'TASK_NOT_FOUND', 'TASK_NOT_RUNNING')
  async report(
    @Param('id') jobId: string,
    @Param('task_id') taskId: string,
    @Headers('authorization') authorization: string | undefined,
    @Body() body: TaskResultDto,
  ) {
    const claims = this.callbacks.verify(/^Bearer (.+)$/i.exec(authorization ?? '')?.[1], jobId, taskId);
    const applied = await this.results.report(claims.org_id, jobId, taskId, body);
    return envelope({ job_id: jobId, task_id: taskId, applied }, { org_id: claims.org_id, job_id: jobId });
  }
}

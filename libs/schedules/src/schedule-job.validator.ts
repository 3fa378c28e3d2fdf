import { Injectable } from '@nestjs/common';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { FieldError, flattenValidationErrors, forbidden, validationFailed } from '@app/common';
import { OutboundHttpClient } from '@app/common/outbound';
import { checkTargetChannel } from '@app/channels';
import { checkConfig, JobTypesService, JsonSchemas } from '@app/job-types';
import { assertWebhookUrlsAllowed, CreateJobDto, jobWebhookUrls, UrlField } from '@app/jobs';

/**
 * A schedule's `job` is a create-job body (POST /services/agent-jobs), checked the same way
 * when the schedule is written, so that a typo is a 400 now rather than a failed fire at 09:00.
 * Field errors are named `job.<field>`.
 */
@Injectable()
export class ScheduleJobValidator {
  constructor(
    private readonly jobTypes: JobTypesService,
    private readonly schemas: JsonSchemas,
    private readonly outbound: OutboundHttpClient,
  ) {}

  /** The shape of the body: class-validator on CreateJobDto, plus what a schedule sets itself. */
  async shapeErrors(job: Record<string, unknown>): Promise<FieldError[]> {
    const dto = plainToInstance(CreateJobDto, job);
    const errors = flattenValidationErrors(await validate(dto, { whitelist: true, forbidNonWhitelisted: true }), 'job');
    if (!errors.some((e) => e.field.startsWith('job.target_channel'))) {
      // The per-platform rules (a Slack channel id, a webhook channel's URL).
      errors.push(...checkTargetChannel(dto.target_channel).map((e) => ({ ...e, field: `job.${e.field}` })));
    }
    if (job.scheduled_at !== undefined) {
      errors.push({ field: 'job.scheduled_at', message: 'must not be set: each fire sets scheduled_at to its fire time' });
    }
    if (job.parent_job_id !== undefined) {
      errors.push({ field: 'job.parent_job_id', message: 'must not be set: a schedule outlives any parent job' });
    }
    return errors;
  }

  /** What needs the org's data: the channel's org, the job type, params, config and webhook URLs. */
  async checkForOrg(orgId: string, job: CreateJobDto): Promise<void> {
    if (job.target_channel.org_id !== orgId) {
      throw forbidden('ORG_MISMATCH', 'job.target_channel.org_id must be the org of your token');
    }
    const jobType = await this.jobTypes.get(orgId, job.job_type_id);
    const errors = [
      ...checkConfig(job.config, 'job.config'),
      ...this.schemas.validate(jobType.params_schema, job.params ?? {}, 'job.params'),
    ];
    if (errors.length) throw validationFailed(errors);
    await this.checkUrls(job);
  }

  private async checkUrls(job: CreateJobDto): Promise<void> {
    const channelUrl: UrlField[] = job.target_channel.platform === 'webhook'
      ? [['job.target_channel.data.url', String(job.target_channel.data?.url)]]
      : [];
    await assertWebhookUrlsAllowed(this.outbound, [...channelUrl, ...jobWebhookUrls(job, 'job.')]);
  }
}

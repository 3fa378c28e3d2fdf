import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsIn, IsISO8601, IsObject, IsOptional, IsString, MaxLength, MinLength, ValidateNested,
} from 'class-validator';
import { ApiField, ApiOptionalField, JSON_OBJECT, ref } from '@app/common';

export const CHANNEL_PLATFORMS = ['slack', 'webhook'] as const;
export const OBSERVER_EVENTS = ['running', 'completed', 'failed', 'canceled'] as const;

@ApiSchema({ name: 'TargetChannel', description: 'Where the result is delivered; upserted into the org\'s channels' })
export class TargetChannelDto {
  @ApiField({ type: 'string', minLength: 1, maxLength: 200, description: "The caller's org" })
  @IsString() @MinLength(1) @MaxLength(200) org_id: string;
  @ApiField({ type: 'string', enum: CHANNEL_PLATFORMS })
  @IsIn(CHANNEL_PLATFORMS) platform: (typeof CHANNEL_PLATFORMS)[number];
  @ApiOptionalField({ type: 'string', maxLength: 100 })
  @IsOptional() @IsString() @MaxLength(100) type?: string;
  @ApiField({ type: 'string', minLength: 1, maxLength: 200, description: 'slack: the channel id (C, G or D, then upper-case letters and digits); webhook: any name' })
  @IsString() @MinLength(1) @MaxLength(200) code: string;
  @ApiOptionalField({ ...JSON_OBJECT, description: 'webhook: `{"url": "https://..."}`, where results are POSTed' })
  @IsOptional() @IsObject() data?: Record<string, unknown>;
}

@ApiSchema({ name: 'Observer', description: 'A webhook that receives the job\'s (and its subjobs\') transitions it lists' })
export class ObserverDto {
  @ApiField({ type: 'string', enum: ['webhook'] })
  @IsIn(['webhook']) type: 'webhook';
  @ApiField({ type: 'string', format: 'uri', maxLength: 2048 })
  @IsString() @MaxLength(2048) url: string;
  @ApiField({ type: 'array', items: { type: 'string', enum: [...OBSERVER_EVENTS] }, maxItems: 4 })
  @IsArray() @ArrayMaxSize(4) @IsIn(OBSERVER_EVENTS, { each: true }) events: Array<(typeof OBSERVER_EVENTS)[number]>;
}

export class CreateJobDto {
  @ApiProperty({ type: () => TargetChannelDto })
  @ValidateNested() @Type(() => TargetChannelDto) @IsObject() target_channel: TargetChannelDto;
  @ApiField({ type: 'string', minLength: 1, maxLength: 100, description: 'A job type of the org (404 JOB_TYPE_NOT_FOUND otherwise)' })
  @IsString() @MinLength(1) @MaxLength(100) job_type_id: string;
  @ApiOptionalField({ ...ref('JobConfigInput'), description: "Merged over the job type's default_config" })
  @IsOptional() @IsObject() config?: Record<string, unknown>;
  @ApiOptionalField({ ...JSON_OBJECT, description: "Checked against the job type's params_schema" })
  @IsOptional() @IsObject() params?: Record<string, unknown>;
  @ApiOptionalField({ type: 'string', format: 'date-time', description: 'In the future: the job is SCHEDULED until then' })
  @IsOptional() @IsISO8601({ strict: true, strictSeparator: true }) scheduled_at?: string;
  @ApiOptionalField({ type: 'string', format: 'uri', maxLength: 2048, description: 'Receives job.completed, job.failed and job.canceled' })
  @IsOptional() @IsString() @MaxLength(2048) callback_url?: string;
  @ApiPropertyOptional({ type: () => [ObserverDto], maxItems: 20 })
  @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => ObserverDto) observers?: ObserverDto[];
  @ApiOptionalField({ type: 'string', maxLength: 100, description: 'Makes this job a subjob of that one (of the same org, not terminal)' })
  @IsOptional() @IsString() @MaxLength(100) parent_job_id?: string;
  @ApiOptionalField({ type: 'string', maxLength: 100, description: "Runs the job inside that session of the org: its tasks get the session's history, its brief and result join it on completion" })
  @IsOptional() @IsString() @MaxLength(100) session_id?: string;
  @ApiOptionalField({ ...JSON_OBJECT, description: 'Returned as given' })
  @IsOptional() @IsObject() metadata?: Record<string, unknown>;
}

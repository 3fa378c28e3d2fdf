import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsObject, IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { ApiField, ApiOptionalField, Schema } from '@app/common';
import { CreateJobDto } from '@app/jobs';

const name: Schema = { type: ['string', 'null'], maxLength: 200 };
const cron: Schema = { type: 'string', minLength: 1, maxLength: 200, description: 'A 5- or 6-field cron expression (seconds first when 6), e.g. "0 9 * * 1-5"' };
const timezone: Schema = { type: 'string', minLength: 1, maxLength: 100, description: 'An IANA time zone, e.g. Europe/Paris' };
const job = { type: () => CreateJobDto, description: 'The create-job body each fire uses, checked as POST /services/agent-jobs checks it; scheduled_at and parent_job_id must not be set' };
const enabled: Schema = { type: 'boolean', description: 'false pauses the schedule; true (again) computes next_run_at from now' };

/** POST /services/schedules. `job` is a create-job body, checked by ScheduleJobValidator. */
export class CreateScheduleDto {
  @ApiOptionalField(name)
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(200) name?: string | null;
  @ApiField(cron)
  @IsString() @MinLength(1) @MaxLength(200) cron: string;
  @ApiField(timezone)
  @IsString() @MinLength(1) @MaxLength(100) timezone: string;
  @ApiProperty(job)
  @IsObject() job: Record<string, unknown>;
  @ApiOptionalField({ ...enabled, default: true })
  @ValidateIf((_, v) => v !== undefined) @IsBoolean() enabled?: boolean;
}

/** Absent is fine, null is not (it would mean "no cron"). */
const unlessAbsent = ValidateIf((_, v) => v !== undefined);

/** PATCH /services/schedules/:id: every field optional; `name: null` clears the name. */
export class UpdateScheduleDto {
  @ApiOptionalField(name)
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(200) name?: string | null;
  @ApiOptionalField(cron)
  @unlessAbsent @IsString() @MinLength(1) @MaxLength(200) cron?: string;
  @ApiOptionalField(timezone)
  @unlessAbsent @IsString() @MinLength(1) @MaxLength(100) timezone?: string;
  @ApiPropertyOptional(job)
  @unlessAbsent @IsObject() job?: Record<string, unknown>;
  @ApiOptionalField(enabled)
  @unlessAbsent @IsBoolean() enabled?: boolean;
}

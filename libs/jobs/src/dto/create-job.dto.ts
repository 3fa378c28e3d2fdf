import { Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsIn, IsISO8601, IsObject, IsOptional, IsString, MaxLength, MinLength, ValidateNested,
} from 'class-validator';

export const CHANNEL_PLATFORMS = ['slack', 'webhook'] as const;
export const OBSERVER_EVENTS = ['running', 'completed', 'failed', 'canceled'] as const;

export class TargetChannelDto {
  @IsString() @MinLength(1) @MaxLength(200) org_id: string;
  @IsIn(CHANNEL_PLATFORMS) platform: (typeof CHANNEL_PLATFORMS)[number];
  @IsOptional() @IsString() @MaxLength(100) type?: string;
  @IsString() @MinLength(1) @MaxLength(200) code: string;
  @IsOptional() @IsObject() data?: Record<string, unknown>;
}

export class ObserverDto {
  @IsIn(['webhook']) type: 'webhook';
  @IsString() @MaxLength(2048) url: string;
  @IsArray() @ArrayMaxSize(4) @IsIn(OBSERVER_EVENTS, { each: true }) events: Array<(typeof OBSERVER_EVENTS)[number]>;
}

export class CreateJobDto {
  @ValidateNested() @Type(() => TargetChannelDto) @IsObject() target_channel: TargetChannelDto;
  @IsString() @MinLength(1) @MaxLength(100) job_type_id: string;
  @IsOptional() @IsObject() config?: Record<string, unknown>;
  @IsOptional() @IsObject() params?: Record<string, unknown>;
  @IsOptional() @IsISO8601({ strict: true, strictSeparator: true }) scheduled_at?: string;
  @IsOptional() @IsString() @MaxLength(2048) callback_url?: string;
  @IsOptional() @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => ObserverDto) observers?: ObserverDto[];
  @IsOptional() @IsString() @MaxLength(100) parent_job_id?: string;
  /** Runs the job inside that session of the org: its tasks get the session's history, its brief and result join it on completion. */
  @IsOptional() @IsString() @MaxLength(100) session_id?: string;
  @IsOptional() @IsObject() metadata?: Record<string, unknown>;
}

import { IsBoolean, IsObject, IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';

/** POST /services/schedules. `job` is a create-job body, checked by ScheduleJobValidator. */
export class CreateScheduleDto {
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(200) name?: string | null;
  @IsString() @MinLength(1) @MaxLength(200) cron: string;
  @IsString() @MinLength(1) @MaxLength(100) timezone: string;
  @IsObject() job: Record<string, unknown>;
  @ValidateIf((_, v) => v !== undefined) @IsBoolean() enabled?: boolean;
}

/** Absent is fine, null is not (it would mean "no cron"). */
const unlessAbsent = ValidateIf((_, v) => v !== undefined);

/** PATCH /services/schedules/:id: every field optional; `name: null` clears the name. */
export class UpdateScheduleDto {
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(200) name?: string | null;
  @unlessAbsent @IsString() @MinLength(1) @MaxLength(200) cron?: string;
  @unlessAbsent @IsString() @MinLength(1) @MaxLength(100) timezone?: string;
  @unlessAbsent @IsObject() job?: Record<string, unknown>;
  @unlessAbsent @IsBoolean() enabled?: boolean;
}

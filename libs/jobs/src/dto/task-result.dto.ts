import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize, IsArray, IsIn, IsInt, IsNumber, IsObject, IsOptional, IsString, Max, MaxLength, Min, MinLength, ValidateIf, ValidateNested,
} from 'class-validator';
import { MAX_ITERATIONS, MAX_TOKENS, MAX_TOOL_CALLS } from '@app/job-types';
import { ANY_JSON, ApiField, ApiOptionalField } from '@app/common';

export class AgentErrorDto {
  @ApiField({ type: 'string', maxLength: 100 })
  @IsString() @MaxLength(100) code: string;
  @ApiField({ type: 'string', maxLength: 5000 })
  @IsString() @MaxLength(5000) message: string;
}

/** Token counts as in a Turn; `total` defaults to prompt + completion. */
export class UsageDto {
  @ApiOptionalField({ type: 'integer', minimum: 0, maximum: MAX_TOKENS })
  @IsOptional() @IsInt() @Min(0) @Max(MAX_TOKENS) prompt?: number;
  @ApiOptionalField({ type: 'integer', minimum: 0, maximum: MAX_TOKENS })
  @IsOptional() @IsInt() @Min(0) @Max(MAX_TOKENS) completion?: number;
  @ApiOptionalField({ type: 'integer', minimum: 0, maximum: 2 * MAX_TOKENS, description: 'Defaults to prompt + completion' })
  @IsOptional() @IsInt() @Min(0) @Max(2 * MAX_TOKENS) total?: number;
}

/** One tool call as in a Turn. */
export class ToolCallDto {
  @ApiField({ type: 'string', minLength: 1, maxLength: 200 })
  @IsString() @MinLength(1) @MaxLength(200) tool: string;
  @ApiField({ type: 'string', minLength: 1, maxLength: 50 })
  @IsString() @MinLength(1) @MaxLength(50) status: string;
  @ApiOptionalField({ type: 'number', minimum: 0 })
  @IsOptional() @IsNumber({ allowNaN: false, allowInfinity: false }) @Min(0) duration_ms?: number;
  @ApiOptionalField({ type: ['string', 'null'], maxLength: 100 })
  @IsOptional() @IsString() @MaxLength(100) error_code?: string | null;
}

/** The body an agent sends on the async result route; the same as its 200 answers (with what it spent, optionally). */
export class TaskResultDto {
  @ApiField({ type: 'string', enum: ['completed', 'failed', 'follow_up'] })
  @IsIn(['completed', 'failed', 'follow_up']) status: 'completed' | 'failed' | 'follow_up';
  @ApiOptionalField({ ...ANY_JSON, description: 'completed and follow_up: the result (checked against the output_schema)' })
  @IsOptional() result?: unknown;
  @ApiProperty({ type: () => AgentErrorDto, required: false, description: 'Required when status is failed' })
  @ValidateIf((o: TaskResultDto) => o.status === 'failed') @IsObject() @ValidateNested() @Type(() => AgentErrorDto) error?: AgentErrorDto;
  @ApiOptionalField({ type: 'integer', minimum: 0, maximum: 86_400, description: 'follow_up: seconds until the follow-up task' })
  @IsOptional() @IsInt() @Min(0) @Max(86_400) delay_seconds?: number;
  @ApiProperty({ type: () => UsageDto, required: false, description: 'What the task spent (as in a Turn)' })
  @IsOptional() @IsObject() @ValidateNested() @Type(() => UsageDto) usage?: UsageDto;
  @ApiPropertyOptional({ type: () => [ToolCallDto], maxItems: MAX_TOOL_CALLS })
  @IsOptional() @IsArray() @ArrayMaxSize(MAX_TOOL_CALLS) @ValidateNested({ each: true }) @Type(() => ToolCallDto) tool_calls?: ToolCallDto[];
  @ApiOptionalField({ type: 'integer', minimum: 0, maximum: MAX_ITERATIONS, description: 'Model calls made' })
  @IsOptional() @IsInt() @Min(0) @Max(MAX_ITERATIONS) iterations?: number;
}

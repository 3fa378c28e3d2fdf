import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import { ANY_JSON, ApiField, ApiOptionalField } from '@app/common';

export class AgentErrorDto {
  @ApiField({ type: 'string', maxLength: 100 })
  @IsString() @MaxLength(100) code: string;
  @ApiField({ type: 'string', maxLength: 5000 })
  @IsString() @MaxLength(5000) message: string;
}

/** The body an agent sends on the async result route; the same as its 200 answers. */
export class TaskResultDto {
  @ApiField({ type: 'string', enum: ['completed', 'failed', 'follow_up'] })
  @IsIn(['completed', 'failed', 'follow_up']) status: 'completed' | 'failed' | 'follow_up';
  @ApiOptionalField({ ...ANY_JSON, description: 'completed and follow_up: the result (checked against the output_schema)' })
  @IsOptional() result?: unknown;
  @ApiProperty({ type: () => AgentErrorDto, required: false, description: 'Required when status is failed' })
  @ValidateIf((o: TaskResultDto) => o.status === 'failed') @IsObject() @ValidateNested() @Type(() => AgentErrorDto) error?: AgentErrorDto;
  @ApiOptionalField({ type: 'integer', minimum: 0, maximum: 86_400, description: 'follow_up: seconds until the follow-up task' })
  @IsOptional() @IsInt() @Min(0) @Max(86_400) delay_seconds?: number;
}

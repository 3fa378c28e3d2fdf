import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';

export class AgentErrorDto {
  @IsString() @MaxLength(100) code: string;
  @IsString() @MaxLength(5000) message: string;
}

/** The body an agent sends on the async result route; the same as its 200 answers. */
export class TaskResultDto {
  @IsIn(['completed', 'failed', 'follow_up']) status: 'completed' | 'failed' | 'follow_up';
  @IsOptional() result?: unknown;
  @ValidateIf((o: TaskResultDto) => o.status === 'failed') @IsObject() @ValidateNested() @Type(() => AgentErrorDto) error?: AgentErrorDto;
  @IsOptional() @IsInt() @Min(0) @Max(86_400) delay_seconds?: number;
}

import { IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';

export const JOB_TYPE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

export class UpdateJobTypeDto {
  @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(5000) description?: string | null;
  @IsOptional() @IsObject() executor?: Record<string, unknown>;
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsObject() params_schema?: object | null;
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsObject() output_schema?: object | null;
  @IsOptional() @IsObject() default_config?: Record<string, unknown>;
}

/**
 * Not `extends UpdateJobTypeDto`: class-validator merges a parent's decorators into the child's,
 * so the parent's @IsOptional() would make name and executor optional here too (and a create
 * without them reached the database's NOT NULL constraints as a 500).
 */
export class CreateJobTypeDto {
  @IsString() @Matches(JOB_TYPE_ID_PATTERN, { message: 'id must be 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit' })
  id: string;
  @IsString() @MinLength(1) @MaxLength(200) name: string;
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(5000) description?: string | null;
  @IsObject() executor: Record<string, unknown>;
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsObject() params_schema?: object | null;
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsObject() output_schema?: object | null;
  @IsOptional() @IsObject() default_config?: Record<string, unknown>;
}

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

export class CreateJobTypeDto extends UpdateJobTypeDto {
  @IsString() @Matches(JOB_TYPE_ID_PATTERN, { message: 'id must be 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit' })
  id: string;
  @IsString() @MinLength(1) @MaxLength(200) declare name: string;
  @IsObject() declare executor: Record<string, unknown>;
}

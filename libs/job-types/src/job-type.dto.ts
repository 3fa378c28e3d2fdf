import { IsObject, IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { ApiField, ApiOptionalField, nullable, ref, Schema } from '@app/common';

export const JOB_TYPE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$/;

const name: Schema = { type: 'string', minLength: 1, maxLength: 200 };
const description: Schema = { type: ['string', 'null'], maxLength: 5000 };
const jsonSchema = (what: string) => ({ ...nullable(ref('JsonSchemaDocument')), description: `${what}; null removes it` });
const paramsSchema = jsonSchema('Job params must fit it (400 at creation)');
const outputSchema = jsonSchema('A result that does not fit it fails the task');

export class UpdateJobTypeDto {
  @ApiOptionalField(name)
  // Absent is fine, null is not: @IsOptional() would let null through to the NOT NULL column (a 500).
  @ValidateIf((_, v) => v !== undefined) @IsString() @MinLength(1) @MaxLength(200) name?: string;
  @ApiOptionalField(description)
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(5000) description?: string | null;
  @ApiOptionalField(ref('ExecutorInput'))
  @IsOptional() @IsObject() executor?: Record<string, unknown>;
  @ApiOptionalField(paramsSchema)
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsObject() params_schema?: object | null;
  @ApiOptionalField(outputSchema)
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsObject() output_schema?: object | null;
  @ApiOptionalField(ref('JobConfigInput'))
  @IsOptional() @IsObject() default_config?: Record<string, unknown>;
}

/**
 * Not `extends UpdateJobTypeDto`: class-validator merges a parent's decorators into the child's,
 * so the parent's @IsOptional() would make name and executor optional here too (and a create
 * without them reached the database's NOT NULL constraints as a 500).
 */
export class CreateJobTypeDto {
  @ApiField({ type: 'string', pattern: JOB_TYPE_ID_PATTERN.source, description: 'Unique in the org' })
  @IsString() @Matches(JOB_TYPE_ID_PATTERN, { message: 'id must be 1-100 letters, digits, ".", "_" or "-", starting with a letter or digit' })
  id: string;
  @ApiField(name)
  @IsString() @MinLength(1) @MaxLength(200) name: string;
  @ApiOptionalField(description)
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsString() @MaxLength(5000) description?: string | null;
  @ApiField(ref('ExecutorInput'))
  @IsObject() executor: Record<string, unknown>;
  @ApiOptionalField(paramsSchema)
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsObject() params_schema?: object | null;
  @ApiOptionalField(outputSchema)
  @IsOptional() @ValidateIf((_, v) => v !== null) @IsObject() output_schema?: object | null;
  @ApiOptionalField(ref('JobConfigInput'))
  @IsOptional() @IsObject() default_config?: Record<string, unknown>;
}

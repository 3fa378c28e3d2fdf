import { plainToInstance } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, validate } from 'class-validator';
import { ApiField, flattenValidationErrors, ref, validationFailed } from '@app/common';
import { MAX_BATCH_JOBS } from '../job-insert.repository';
import { CreateJobDto } from './create-job.dto';

/**
 * The body of POST /services/agent-jobs/batch. The items stay plain here: each is checked on
 * its own (validateJobItem), so that one bad item is that item's 400, not the whole batch's.
 */
export class CreateJobsBatchDto {
  @ApiField({ type: 'array', items: ref('CreateJobDto'), minItems: 1, maxItems: MAX_BATCH_JOBS, description: 'Each a POST /services/agent-jobs body' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(MAX_BATCH_JOBS) jobs: unknown[];
}

/** One item as the global ValidationPipe would check a single create's body (whitelist, forbid unknown fields). */
export async function validateJobItem(item: unknown, index: number): Promise<CreateJobDto> {
  if (!item || typeof item !== 'object' || Array.isArray(item)) {
    throw validationFailed([{ field: `jobs.${index}`, message: 'each job must be an object' }]);
  }
  const dto = plainToInstance(CreateJobDto, item);
  const errors = await validate(dto, { whitelist: true, forbidNonWhitelisted: true, stopAtFirstError: false });
  if (errors.length) throw validationFailed(flattenValidationErrors(errors));
  return dto;
}

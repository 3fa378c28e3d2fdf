import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiOptionalField } from '@app/common';

export class CancelJobDto {
  @ApiOptionalField({ type: 'string', maxLength: 2000, description: 'Stored and shown as cancel_reason' })
  @IsOptional() @IsString() @MaxLength(2000) reason?: string;
}

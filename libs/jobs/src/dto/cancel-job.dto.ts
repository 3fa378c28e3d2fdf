import { IsOptional, IsString, MaxLength } from 'class-validator';

export class CancelJobDto {
  @IsOptional() @IsString() @MaxLength(2000) reason?: string;
}

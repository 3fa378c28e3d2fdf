import { IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateBy } from 'class-validator';

export const MAX_MESSAGE_CHARS = 100_000;
export const MIN_TTL_HOURS = 1;
export const MAX_TTL_HOURS = 720;
export const DEFAULT_TTL_HOURS = 24;

/** 1 to `max` characters, counted as Unicode code points (an emoji is one character, not two UTF-16 units). */
const CharacterCount = (max: number) => ValidateBy({
  name: 'characterCount',
  validator: {
    validate: (v) => typeof v === 'string' && v.length > 0 && (v.length <= max || [...v].length <= max),
    defaultMessage: () => `must be a string of 1 to ${max.toLocaleString('en-US')} characters`,
  },
});

/** The body of POST /services/sessions/chat. */
export class ChatDto {
  @CharacterCount(MAX_MESSAGE_CHARS) message: string;
  /** A job type id of the org; required to start a session, must match when continuing. */
  @IsOptional() @IsString() @MaxLength(100) agent_type?: string;
  @IsOptional() @IsString() @MaxLength(100) session_id?: string;
  @IsOptional() @IsObject() context?: Record<string, unknown>;
  @IsOptional() @IsInt() @Min(1) @Max(20) max_iterations?: number;
  @IsOptional() @IsInt() @Min(MIN_TTL_HOURS) @Max(MAX_TTL_HOURS) ttl_hours?: number;
}

export class UpdateSessionDto {
  @IsInt() @Min(MIN_TTL_HOURS) @Max(MAX_TTL_HOURS) ttl_hours: number;
}

export class CancelTurnDto {
  @IsOptional() @IsString() @MaxLength(2000) reason?: string;
}

import { IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateBy, ValidateIf } from 'class-validator';

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

/** May be left out, but not given as null (IsOptional would let null through). */
const Omittable = () => ValidateIf((_, value) => value !== undefined);

/** The body of POST /services/sessions/chat. */
export class ChatDto {
  @CharacterCount(MAX_MESSAGE_CHARS) message: string;
  /** A job type id of the org; required to start a session, must match when continuing. */
  @Omittable() @IsString() @MaxLength(100) agent_type?: string;
  /** Any text: one that is not a session id of ours is 404 SESSION_NOT_FOUND. */
  @Omittable() @IsString() session_id?: string;
  @Omittable() @IsObject() context?: Record<string, unknown>;
  @Omittable() @IsInt() @Min(1) @Max(20) max_iterations?: number;
  @Omittable() @IsInt() @Min(MIN_TTL_HOURS) @Max(MAX_TTL_HOURS) ttl_hours?: number;
}

export class UpdateSessionDto {
  @IsInt() @Min(MIN_TTL_HOURS) @Max(MAX_TTL_HOURS) ttl_hours: number;
}

export class CancelTurnDto {
  @IsOptional() @IsString() @MaxLength(2000) reason?: string;
}

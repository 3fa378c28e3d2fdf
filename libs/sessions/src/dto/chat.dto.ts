import { IsInt, IsObject, IsOptional, IsString, Max, MaxLength, Min, ValidateBy, ValidateIf } from 'class-validator';
import { ApiField, ApiOptionalField, JSON_OBJECT, Schema } from '@app/common';

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

const ttlHours: Schema = { type: 'integer', minimum: MIN_TTL_HOURS, maximum: MAX_TTL_HOURS, description: 'The session lives this long after its last turn' };
const reason: Schema = { type: 'string', maxLength: 2000, description: 'Stored as the turn\'s cancel_reason' };

/** The body of POST /services/sessions/chat. */
export class ChatDto {
  @ApiField({ type: 'string', minLength: 1, maxLength: MAX_MESSAGE_CHARS, description: 'Counted in Unicode code points' })
  @CharacterCount(MAX_MESSAGE_CHARS) message: string;
  /** A job type id of the org; required to start a session, must match when continuing. */
  @ApiOptionalField({ type: 'string', maxLength: 100, description: 'A job type of the org: required to start a session; when continuing, must be the session\'s (409 SESSION_AGENT_MISMATCH)' })
  @Omittable() @IsString() @MaxLength(100) agent_type?: string;
  /** Any text: one that is not a session id of ours is 404 SESSION_NOT_FOUND. */
  @ApiOptionalField({ type: 'string', description: 'Continue this session' })
  @Omittable() @IsString() session_id?: string;
  @ApiOptionalField({ ...JSON_OBJECT, description: 'Passed to the agent with this turn' })
  @Omittable() @IsObject() context?: Record<string, unknown>;
  @ApiOptionalField({ type: 'integer', minimum: 1, maximum: 20, description: "Overrides the job type's default_config.max_iterations" })
  @Omittable() @IsInt() @Min(1) @Max(20) max_iterations?: number;
  @ApiOptionalField({ ...ttlHours, default: DEFAULT_TTL_HOURS })
  @Omittable() @IsInt() @Min(MIN_TTL_HOURS) @Max(MAX_TTL_HOURS) ttl_hours?: number;
}

export class UpdateSessionDto {
  @ApiField({ ...ttlHours, description: 'expires_at becomes now + ttl_hours' })
  @IsInt() @Min(MIN_TTL_HOURS) @Max(MAX_TTL_HOURS) ttl_hours: number;
}

export class CancelTurnDto {
  @ApiOptionalField(reason)
  @IsOptional() @IsString() @MaxLength(2000) reason?: string;
}

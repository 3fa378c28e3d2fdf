/** What the delivery of one channel post knows and answers; shared by the platforms. */

export interface DeliveryError {
  code: string;
  message: string;
}

export interface TargetChannelOfJob {
  platform: string;
  code: string;
  type?: string | null;
  data?: Record<string, unknown> | null;
}

export interface PostJob {
  id: string;
  org_id: string;
  job_type_id: string;
  status: string;
  target_channel: TargetChannelOfJob;
}

export interface ClaimedPost {
  task_id: string;
  job_id: string;
  org_id: string;
  seq: number;
  result: unknown;
  is_final: boolean;
  /** Including the attempt just claimed. */
  attempts: number;
  created_at: Date;
  /** The post was SENDING when claimed: an earlier attempt was interrupted and may have posted. */
  resumed: boolean;
}

export interface DeliveryContext {
  post: ClaimedPost;
  job: PostJob;
  /** Slack: ts of the job's first delivered post, the thread follow-up results reply in. */
  threadTs: string | null;
  /** An earlier post of the job whose receiver answered 410 Gone (its task id): this one is not sent. */
  stoppedBy: string | null;
}

export type DeliveryOutcome =
  | { kind: 'delivered'; ts: string | null; recovered?: boolean }
  | { kind: 'failed'; error: DeliveryError }
  /**
   * Try again later. `maybeSent`: the platform may have acted (keep the post SENDING, so the
   * next attempt checks first). `retryAfterMs`: the platform said when (a rate limit).
   */
  | { kind: 'retry'; error: DeliveryError; maybeSent: boolean; retryAfterMs?: number };

/** One platform's way of delivering a post. */
export interface ChannelDeliverer {
  deliver(ctx: DeliveryContext): Promise<DeliveryOutcome>;
}

/** Attempts for transient errors (5xx, network) before a post FAILS. */
export const MAX_ATTEMPTS = 5;
/** Attempts when the platform keeps rate limiting (each waits what it asked). */
export const MAX_RATE_LIMITED_ATTEMPTS = 20;
/** The step of channel-post retries stops doubling here (backoffMs, @app/common/outbound). */
export const MAX_BACKOFF_STEP_MS = 10 * 60_000;

import type { Scopes } from './access-levels';

/** Who is calling: the token record behind a verified JWT. */
export interface Principal {
  tokenId: string;
  orgId: string;
  scopes: Scopes;
  /** The token's own requests per minute; null or absent: RATE_LIMIT_PER_MINUTE (task tokens: RATE_LIMIT_CALLBACK_PER_MINUTE). */
  rateLimitPerMinute?: number | null;
  /** Set when the caller is an agent using its task's callback token (it may only create subjobs). */
  task?: { taskId: string; jobId: string };
}

export const actorOf = (p: Principal) => (p.task ? `task:${p.task.taskId}` : `token:${p.tokenId}`);

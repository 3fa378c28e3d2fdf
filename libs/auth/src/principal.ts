import type { Scopes } from './access-levels';

/** Who is calling: the token record behind a verified JWT. */
export interface Principal {
  tokenId: string;
  orgId: string;
  scopes: Scopes;
  /** Set when the caller is an agent using its task's callback token (it may only create subjobs). */
  task?: { taskId: string; jobId: string };
}

export const actorOf = (p: Principal) => (p.task ? `task:${p.task.taskId}` : `token:${p.tokenId}`);

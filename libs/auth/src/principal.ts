import type { Scopes } from './access-levels';

/** Who is calling: the token record behind a verified JWT. */
export interface Principal {
  tokenId: string;
  orgId: string;
  scopes: Scopes;
}

export const actorOf = (p: Principal) => `token:${p.tokenId}`;

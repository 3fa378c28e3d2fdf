import type { Request } from 'express';

/** The route of a request no route handled: unknown paths, and requests refused before routing (bad or oversized bodies). */
export const UNMATCHED_ROUTE = 'unmatched';

/** The matched route's template (`/services/agent-jobs/:id`), never the path itself: ids stay out of metric labels. */
export function routeTemplate(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? `${req.baseUrl ?? ''}${path}` : UNMATCHED_ROUTE;
}

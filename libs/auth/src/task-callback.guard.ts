import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import type { Request } from 'express';
import { Principal } from './principal';
import { CallbackTokens } from './task-callback-tokens';

/**
 * The route an agent reports a task's result on (`.../:id/tasks/:task_id/...`): its bearer
 * token must be the callback token of that very job and task. The caller becomes a task
 * principal, as on the routes that accept such a token, so rate limiting counts it per task.
 */
@Injectable()
export class TaskCallbackGuard implements CanActivate {
  constructor(private readonly callbacks: CallbackTokens) {}

  canActivate(context: ExecutionContext): boolean {
    const req = context.switchToHttp().getRequest<Request & { user?: Principal }>();
    const token = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const claims = this.callbacks.verify(token, String(req.params.id), String(req.params.task_id));
    req.user = { tokenId: claims.sub, orgId: claims.org_id, scopes: { SERVICES: 'WRITE' }, task: { taskId: claims.sub, jobId: claims.job_id } };
    return true;
  }
}

import { CallHandler, ExecutionContext, Injectable, NestInterceptor } from '@nestjs/common';
import type { Observable } from 'rxjs';
import { addToLogContext } from './log-context';

interface Authenticated {
  user?: { orgId?: string; task?: { jobId: string; taskId: string } };
}

/**
 * Once the guards have authenticated the token, the request's log context gets its org (and,
 * for an agent's task callback token, its job and task): every later line of the request has them.
 */
@Injectable()
export class LogContextInterceptor implements NestInterceptor {
  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const user = context.switchToHttp().getRequest<Authenticated>().user;
      if (user?.orgId) addToLogContext({ org_id: user.orgId, job_id: user.task?.jobId, task_id: user.task?.taskId });
    }
    return next.handle();
  }
}

import { Injectable } from '@nestjs/common';
import * as jwt from 'jsonwebtoken';
import { AppConfig, unauthorized } from '@app/common';
import { jwtKey } from './jwt-key';

export interface CallbackClaims {
  sub: string;
  job_id: string;
  org_id: string;
}

/**
 * The token an agent that answered 202 uses to report its result: a JWT for one task,
 * with an audience of its own so it can never pass as an API token (and vice versa).
 */
@Injectable()
export class CallbackTokens {
  static audienceFor(config: AppConfig): string {
    return `${config.JWT_AUDIENCE}:task-callback`;
  }

  private readonly audience: string;

  constructor(private readonly config: AppConfig) {
    this.audience = CallbackTokens.audienceFor(config);
  }

  issue(taskId: string, jobId: string, orgId: string, expiresAt: Date): string {
    const ttl = Math.max(60, Math.ceil((expiresAt.getTime() - Date.now()) / 1000) + 3600);
    return jwt.sign({ job_id: jobId, org_id: orgId }, jwtKey(this.config.jwtSecret), {
      algorithm: 'HS256', subject: taskId, issuer: this.config.JWT_ISSUER, audience: this.audience, expiresIn: ttl,
    });
  }

  /** Verifies the token and that it names this job and task; anything else is 401. */
  verify(token: string | undefined, jobId: string, taskId: string): CallbackClaims {
    if (!token) throw unauthorized('The task callback token is required');
    let claims: CallbackClaims;
    try {
      claims = jwt.verify(token, jwtKey(this.config.jwtSecret), {
        algorithms: ['HS256'], issuer: this.config.JWT_ISSUER, audience: this.audience,
      }) as CallbackClaims;
    } catch (err) {
      throw unauthorized(`Invalid task callback token: ${(err as Error).message}`);
    }
    if (claims.sub !== taskId || claims.job_id !== jobId) throw unauthorized('This callback token is for another task');
    return claims;
  }
}

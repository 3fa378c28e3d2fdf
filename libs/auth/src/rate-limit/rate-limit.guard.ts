import { ExecutionContext, Injectable, Logger } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions, InjectThrottlerStorage, ThrottlerGuard, ThrottlerLimitDetail, ThrottlerModuleOptions, ThrottlerRequest, ThrottlerStorage,
} from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { AppConfig, DomainError } from '@app/common';
import { MetricsService } from '@app/common/metrics';
import type { Principal } from '../principal';
import { rateLimitPolicy, RateLimitPolicy } from './rate-limit-policy';

/** At most one warning this often while Redis cannot count requests (every request fails open then). */
const WARN_EVERY_MS = 10_000;

/**
 * Per-token rate limits, @nestjs/throttler's guard counting in Redis (RedisRateLimitStorage),
 * so every API process shares one count. It runs after the token is authenticated (it counts
 * per token: `token:<id>`, a task's callback token `task:<task_id>`) and before the access
 * check, so that a 403 is counted and carries the headers too. The limit is the token's own
 * `rate_limit_per_minute`, else RATE_LIMIT_PER_MINUTE (callback tokens:
 * RATE_LIMIT_CALLBACK_PER_MINUTE), counted in windows of about RATE_LIMIT_BURST requests
 * (rateLimitPolicy). Every answer carries RateLimit-Limit, -Remaining, -Reset and -Policy; a
 * refused one is 429 RATE_LIMITED with Retry-After. Redis not answering: the request is
 * served unchecked (fail open) and counted in agent_jobs_rate_limit_fail_open_total.
 */
@Injectable()
export class RateLimitGuard extends ThrottlerGuard {
  protected override headerPrefix = 'RateLimit';
  private readonly log = new Logger(RateLimitGuard.name);
  private lastWarning = 0;

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly config: AppConfig,
    private readonly metrics: MetricsService,
  ) {
    super(options, storage, reflector);
  }

  protected override async shouldSkip(context: ExecutionContext): Promise<boolean> {
    return !this.config.RATE_LIMIT_ENABLED || !this.principal(context);
  }

  /** The module's throttler is a placeholder: each request's window and quota are its token's. */
  protected override async handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const principal = this.principal(props.context)!;
    const policy = this.policyOf(principal);
    const ttl = policy.windowSeconds * 1000;
    let allowed: boolean;
    try {
      allowed = await super.handleRequest({ ...props, limit: policy.quota, ttl, blockDuration: ttl });
    } catch (err) {
      if (err instanceof DomainError) throw err;
      this.failedOpen(err);
      return true;
    }
    this.setResponseHeader(this.response(props.context), 'RateLimit-Policy', policyHeader(policy));
    return allowed;
  }

  protected override async getTracker(req: Record<string, unknown>): Promise<string> {
    const principal = req.user as Principal;
    return principal.task ? `task:${principal.task.taskId}` : `token:${principal.tokenId}`;
  }

  /** One count per token across every route (not the library's per-route hash), under QUEUE_PREFIX. */
  protected override generateKey(_context: ExecutionContext, tracker: string): string {
    return `${this.config.QUEUE_PREFIX}:rate-limit:${tracker}`;
  }

  protected override async throwThrottlingException(context: ExecutionContext, detail: ThrottlerLimitDetail): Promise<void> {
    const res = this.response(context);
    const retryAfter = Math.max(1, detail.timeToBlockExpire);
    const windowSeconds = detail.ttl / 1000;
    res.setHeader('Retry-After', String(retryAfter));
    res.setHeader('RateLimit-Limit', String(detail.limit));
    res.setHeader('RateLimit-Remaining', '0');
    res.setHeader('RateLimit-Reset', String(retryAfter));
    res.setHeader('RateLimit-Policy', policyHeader({ quota: detail.limit, windowSeconds }));
    throw new DomainError(429, 'RATE_LIMITED', `This token may send ${detail.limit} requests per ${windowSeconds} s; retry in ${retryAfter} s`);
  }

  private policyOf(principal: Principal): RateLimitPolicy {
    const perMinute = principal.task ? this.config.RATE_LIMIT_CALLBACK_PER_MINUTE : principal.rateLimitPerMinute ?? this.config.RATE_LIMIT_PER_MINUTE;
    return rateLimitPolicy(perMinute, this.config.RATE_LIMIT_BURST);
  }

  private failedOpen(err: unknown): void {
    this.metrics.rateLimitFailOpen();
    const now = Date.now();
    if (now - this.lastWarning < WARN_EVERY_MS) return;
    this.lastWarning = now;
    this.log.warn(`rate limits not checked (requests are served): ${(err as Error)?.message ?? err}`);
  }

  private principal(context: ExecutionContext): Principal | undefined {
    return context.switchToHttp().getRequest<Request & { user?: Principal }>().user;
  }

  private response(context: ExecutionContext): Response {
    return context.switchToHttp().getResponse<Response>();
  }
}

/** The IETF draft's policy: `<quota>;w=<window seconds>`. */
const policyHeader = (p: RateLimitPolicy) => `${p.quota};w=${p.windowSeconds}`;

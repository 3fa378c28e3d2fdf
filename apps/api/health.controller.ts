import { Controller, Get, Header, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckResult, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { InjectQueue } from '@nestjs/bull';
import type { Queue } from 'bull';
import { ApiProblems, DependencyStates, enumOf, object, ServiceUnavailableError } from '@app/common';
import { AGENT_TASKS_QUEUE } from '@app/queue';

/** How long each dependency may take to answer the readiness check. */
const CHECK_TIMEOUT_MS = 2000;

const ok = enumOf(['ok']);
const LIVE = object({ status: ok });
const READY = object({ status: ok, dependencies: { type: 'object', additionalProperties: object({ status: enumOf(['up', 'down']) }), description: 'postgres, redis' } });

/** GET /health (liveness) and GET /health/ready (readiness). No auth, no org data. */
@ApiTags('Health')
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    @InjectQueue(AGENT_TASKS_QUEUE) private readonly queue: Queue,
  ) {}

  /** Liveness: the process runs and serves HTTP. Touches neither Postgres nor Redis, so an outage of theirs never gets the process restarted. */
  @Get()
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Liveness', description: 'The process serves HTTP; touches neither Postgres nor Redis. No token needed.' })
  @ApiOkResponse({ description: 'Alive', schema: LIVE as object })
  @ApiProblems('VALIDATION_ERROR')
  live() {
    return { status: 'ok' };
  }

  /** Readiness: Postgres and Redis both answer; otherwise 503 problem+json naming the one(s) down. */
  @Get('ready')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Readiness', description: 'Postgres and Redis both answer. No token needed.' })
  @ApiOkResponse({ description: 'Ready', schema: READY as object })
  @ApiProblems('VALIDATION_ERROR', 'SERVICE_UNAVAILABLE')
  async ready() {
    let result: HealthCheckResult;
    try {
      result = await this.health.check([() => this.db.pingCheck('postgres', { timeout: CHECK_TIMEOUT_MS }), () => this.redisCheck()]);
    } catch (err) {
      if (!(err instanceof ServiceUnavailableException)) throw err;
      result = err.getResponse() as HealthCheckResult;
    }
    // Only up or down: a dependency's error message (addresses, users) stays in the log.
    const dependencies: DependencyStates = {};
    for (const [name, state] of Object.entries(result.details)) dependencies[name] = { status: state.status === 'up' ? 'up' : 'down' };
    const down = Object.keys(dependencies).filter((name) => dependencies[name].status === 'down');
    if (down.length) throw new ServiceUnavailableError(`Not ready: ${down.join(' and ')} cannot be reached`, dependencies);
    if (result.status !== 'ok') throw new ServiceUnavailableError('Not ready: shutting down', dependencies);
    return { status: 'ok', dependencies };
  }

  private async redisCheck() {
    const redis = this.indicators.check('redis');
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`timeout of ${CHECK_TIMEOUT_MS}ms exceeded`)), CHECK_TIMEOUT_MS);
    });
    try {
      await Promise.race([this.queue.client.ping(), timeout]);
      return redis.up();
    } catch (err) {
      return redis.down({ message: (err as Error).message });
    } finally {
      clearTimeout(timer);
    }
  }
}

import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { randomBytes } from 'node:crypto';
import { Repository } from 'typeorm';
import { conflict, FieldError, notFound, validationFailed, DomainError } from '@app/common';
import { OutboundError, OutboundHttpClient } from '@app/common/outbound';
import { BuiltinRegistry } from './builtins/builtin-registry';
import { checkExecutor, Executor } from './executor';
import { checkConfig, JobConfig } from './job-config';
import { CreateJobTypeDto, UpdateJobTypeDto } from './job-type.dto';
import { JobTypeEntity } from './job-type.entity';
import { JsonSchemas } from './json-schemas';

const NON_TERMINAL = ['WAITING', 'SCHEDULED', 'RUNNING'];
const RECENT_MS = 1000;

/** Job types: the agent behind a kind of job, its schemas and default config. */
@Injectable()
export class JobTypesService {
  private readonly recent = new Map<string, { type: Promise<JobTypeEntity>; at: number }>();

  constructor(
    @InjectRepository(JobTypeEntity) private readonly repo: Repository<JobTypeEntity>,
    private readonly schemas: JsonSchemas,
    private readonly builtins: BuiltinRegistry,
    private readonly outbound: OutboundHttpClient,
  ) {}

  async create(orgId: string, dto: CreateJobTypeDto): Promise<JobTypeEntity> {
    const executor = await this.checkDefinition(dto);
    const now = new Date();
    const entity = this.repo.create({
      org_id: orgId,
      id: dto.id,
      name: dto.name,
      description: dto.description ?? null,
      executor: executor!,
      params_schema: dto.params_schema ?? null,
      output_schema: dto.output_schema ?? null,
      default_config: (dto.default_config ?? {}) as Partial<JobConfig>,
      signing_secret: `whsec_${randomBytes(32).toString('base64')}`,
      created_at: now,
      updated_at: now,
    });
    try {
      await this.repo.insert(entity);
    } catch (err) {
      if ((err as { code?: string }).code === '23505') throw conflict('JOB_TYPE_EXISTS', `Job type '${dto.id}' already exists`);
      throw err;
    }
    return entity;
  }

  list(orgId: string): Promise<JobTypeEntity[]> {
    return this.repo.find({ where: { org_id: orgId }, order: { created_at: 'DESC' } });
  }

  /** Job type ids are names within an org: another org's type of the same name is simply not found. */
  async get(orgId: string, id: string): Promise<JobTypeEntity> {
    const found = await this.repo.findOne({ where: { org_id: orgId, id } });
    if (!found) throw notFound('JOB_TYPE_NOT_FOUND', `Job type '${id}' not found`);
    return found;
  }

  /**
   * get() through a short per-process cache, for the create-job hot path (one query less
   * per job). Concurrent misses share one query. Changes made through this process are
   * seen at once (update/remove drop the entry); a change made by another process is seen
   * within RECENT_MS. Unknown types are never cached: they are 404 until created.
   */
  getRecent(orgId: string, id: string): Promise<JobTypeEntity> {
    const key = `${orgId}\u0000${id}`;
    const hit = this.recent.get(key);
    if (hit && Date.now() - hit.at < RECENT_MS) return hit.type;
    const type = this.get(orgId, id);
    if (this.recent.size > 10_000) this.recent.clear();
    this.recent.set(key, { type, at: Date.now() });
    type.catch(() => {
      if (this.recent.get(key)?.type === type) this.recent.delete(key);
    });
    return type;
  }

  async update(orgId: string, id: string, dto: UpdateJobTypeDto): Promise<JobTypeEntity> {
    const current = await this.get(orgId, id);
    const executor = await this.checkDefinition(dto);
    const patch: Partial<JobTypeEntity> = { updated_at: new Date() };
    if (dto.name !== undefined) patch.name = dto.name;
    if (dto.description !== undefined) patch.description = dto.description;
    if (executor) patch.executor = executor;
    if (dto.params_schema !== undefined) patch.params_schema = dto.params_schema;
    if (dto.output_schema !== undefined) patch.output_schema = dto.output_schema;
    if (dto.default_config !== undefined) patch.default_config = dto.default_config as Partial<JobConfig>;
    await this.repo.update({ org_id: orgId, id }, patch);
    this.recent.delete(`${orgId}\u0000${id}`);
    return Object.assign(current, patch);
  }

  async remove(orgId: string, id: string): Promise<void> {
    await this.get(orgId, id);
    const [{ busy }] = await this.repo.query(
      `SELECT EXISTS (SELECT 1 FROM jobs WHERE org_id = $1 AND job_type_id = $2 AND status = ANY($3)) AS busy`,
      [orgId, id, NON_TERMINAL],
    );
    if (busy) throw conflict('JOB_TYPE_IN_USE', `Job type '${id}' has jobs that are not finished yet`);
    await this.repo.delete({ org_id: orgId, id });
    this.recent.delete(`${orgId}\u0000${id}`);
  }

  /** Validates schemas, config and executor (including the agent URL's network rules). */
  private async checkDefinition(dto: UpdateJobTypeDto): Promise<Executor | undefined> {
    const errors: FieldError[] = [
      ...this.schemas.checkSchema(dto.params_schema, 'params_schema'),
      ...this.schemas.checkSchema(dto.output_schema, 'output_schema'),
      ...checkConfig(dto.default_config, 'default_config'),
    ];
    let executor: Executor | undefined;
    if (dto.executor !== undefined) {
      const checked = checkExecutor(dto.executor, this.builtins.names());
      errors.push(...checked.errors);
      executor = checked.executor;
    }
    if (errors.length) throw validationFailed(errors);
    if (executor?.type === 'http') {
      try {
        await this.outbound.assertUrlAllowed(executor.url);
      } catch (err) {
        if (!(err instanceof OutboundError)) throw err;
        throw new DomainError(400, 'OUTBOUND_URL_REFUSED', `The agent URL is not allowed: ${err.message}`, [
          { field: 'executor.url', message: err.message },
        ]);
      }
    }
    return executor;
  }
}

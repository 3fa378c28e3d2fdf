import { Injectable } from '@nestjs/common';
import { conflict, FieldError, notFound, validationFailed, DomainError } from '@app/common';
import { OutboundError, OutboundHttpClient } from '@app/common/outbound';
import { BuiltinRegistry } from './builtins/builtin-registry';
import { checkExecutor, Executor } from './executor';
import { openAiExecutorUrls } from './openai/openai-executor';
import { checkConfig, JobConfig } from './job-config';
import { CreateJobTypeDto, UpdateJobTypeDto } from './job-type.dto';
import { JobTypeEntity } from './job-type.entity';
import { JobTypesRepository } from './job-types.repository';
import { JobTypeUsage } from './job-type-usage';
import { JsonSchemas } from './json-schemas';
import { RecentJobTypes } from './recent-job-types';
import { JobTypeSecrets } from './secrets/job-type-secrets';

/** Job types: the agent behind a kind of job, its schemas and default config. */
@Injectable()
export class JobTypesService {
  constructor(
    private readonly repo: JobTypesRepository,
    private readonly schemas: JsonSchemas,
    private readonly builtins: BuiltinRegistry,
    private readonly outbound: OutboundHttpClient,
    private readonly recent: RecentJobTypes,
    private readonly secrets: JobTypeSecrets,
    private readonly usage: JobTypeUsage,
  ) {}

  /** The stored job type and its signing secret in plain text (shown to the caller this once). */
  async create(orgId: string, dto: CreateJobTypeDto): Promise<{ type: JobTypeEntity; signingSecret: string }> {
    const { executor, apiKey } = await this.checkDefinition(dto);
    const now = new Date();
    const { secret, sealed } = this.secrets.issue(orgId, dto.id);
    const entity: JobTypeEntity = {
      org_id: orgId,
      id: dto.id,
      name: dto.name,
      description: dto.description ?? null,
      executor: executor!,
      params_schema: dto.params_schema ?? null,
      output_schema: dto.output_schema ?? null,
      default_config: (dto.default_config ?? {}) as Partial<JobConfig>,
      signing_secret: sealed,
      signing_secret_previous: null,
      signing_secret_previous_expires_at: null,
      api_key: executor!.type === 'openai' && apiKey ? this.secrets.sealApiKey(orgId, dto.id, apiKey) : null,
      created_at: now,
      updated_at: now,
    };
    if (!(await this.repo.insert(entity))) throw conflict('JOB_TYPE_EXISTS', `Job type '${dto.id}' already exists`);
    return { type: entity, signingSecret: secret };
  }

  list(orgId: string): Promise<JobTypeEntity[]> {
    return this.repo.listOfOrg(orgId);
  }

  /** Job type ids are names within an org: another org's type of the same name is simply not found. */
  async get(orgId: string, id: string): Promise<JobTypeEntity> {
    const found = await this.repo.find(orgId, id);
    if (!found) throw notFound('JOB_TYPE_NOT_FOUND', `Job type '${id}' not found`);
    return found;
  }

  /** get() through the per-process cache of the hot paths (RecentJobTypes: changes reach every process at once). */
  getRecent(orgId: string, id: string): Promise<JobTypeEntity> {
    return this.recent.get(orgId, id, () => this.get(orgId, id));
  }

  async update(orgId: string, id: string, dto: UpdateJobTypeDto): Promise<JobTypeEntity> {
    const current = await this.get(orgId, id);
    const { executor, apiKey } = await this.checkDefinition(dto);
    const patch: Partial<JobTypeEntity> = { updated_at: new Date() };
    if (dto.name !== undefined) patch.name = dto.name;
    if (dto.description !== undefined) patch.description = dto.description;
    if (executor) {
      patch.executor = executor;
      patch.api_key = this.nextApiKey(current, executor, apiKey);
    }
    if (dto.params_schema !== undefined) patch.params_schema = dto.params_schema;
    if (dto.output_schema !== undefined) patch.output_schema = dto.output_schema;
    if (dto.default_config !== undefined) patch.default_config = dto.default_config as Partial<JobConfig>;
    await this.repo.update(orgId, id, patch);
    await this.recent.changed(orgId, id);
    return Object.assign(current, patch);
  }

  /** 409 JOB_TYPE_IN_USE while anything registered in JobTypeUsage still needs it (unfinished jobs, enabled schedules). */
  async remove(orgId: string, id: string): Promise<void> {
    await this.get(orgId, id);
    const uses = await this.usage.uses(orgId, id);
    if (uses.length) throw conflict('JOB_TYPE_IN_USE', `Job type '${id}' is in use: ${uses.join('; ')}`);
    await this.repo.delete(orgId, id);
    await this.recent.changed(orgId, id);
  }

  /** A new signing secret, returned this once; the previous one keeps signing for the grace period. */
  async rotateSigningSecret(orgId: string, id: string): Promise<{ signingSecret: string; previousExpiresAt: Date }> {
    const rotated = await this.secrets.rotate(orgId, id);
    if (!rotated) throw notFound('JOB_TYPE_NOT_FOUND', `Job type '${id}' not found`);
    await this.recent.changed(orgId, id);
    return { signingSecret: rotated.secret, previousExpiresAt: rotated.previousExpiresAt };
  }

  /**
   * The api_key column after a PATCH of the executor: a key sent replaces the stored one, null
   * removes it, and an openai executor sent without api_key keeps it, unless base_url moves to
   * another origin (the key is never sent to a server it was not given for: send it again).
   */
  private nextApiKey(current: JobTypeEntity, executor: Executor, apiKey: string | null | undefined): string | null {
    if (executor.type !== 'openai') return null;
    if (apiKey !== undefined) return apiKey === null ? null : this.secrets.sealApiKey(current.org_id, current.id, apiKey);
    if (current.api_key === null || current.executor.type !== 'openai') return null;
    if (new URL(current.executor.base_url).origin !== new URL(executor.base_url).origin) {
      throw validationFailed([{ field: 'executor.api_key', message: 'must be sent again (or set to null) when base_url moves to another origin: the stored key is only sent where it was given for' }]);
    }
    return current.api_key;
  }

  /** Validates schemas, config and executor (including the agent's, model's and tools' URLs' network rules). */
  private async checkDefinition(dto: UpdateJobTypeDto): Promise<{ executor?: Executor; apiKey?: string | null }> {
    const errors: FieldError[] = [
      ...this.schemas.checkSchema(dto.params_schema, 'params_schema'),
      ...this.schemas.checkSchema(dto.output_schema, 'output_schema'),
      ...checkConfig(dto.default_config, 'default_config'),
    ];
    let executor: Executor | undefined;
    let apiKey: string | null | undefined;
    if (dto.executor !== undefined) {
      const checked = checkExecutor(dto.executor, this.builtins.names(), (schema, field) => this.schemas.checkSchema(schema, field));
      errors.push(...checked.errors);
      ({ executor, apiKey } = checked);
    }
    if (errors.length) throw validationFailed(errors);
    if (executor?.type === 'http') await this.assertUrlsAllowed([{ field: 'executor.url', url: executor.url }], 'The agent URL');
    if (executor?.type === 'openai') await this.assertUrlsAllowed(openAiExecutorUrls(executor), 'A model or tool URL');
    return { executor, apiKey };
  }

  /** 400 OUTBOUND_URL_REFUSED naming every URL the outbound rules refuse. */
  private async assertUrlsAllowed(urls: Array<{ field: string; url: string }>, what: string): Promise<void> {
    const refused = await Promise.all(urls.map(({ field, url }) => this.outbound.assertUrlAllowed(url).then(
      () => null,
      (err) => {
        if (!(err instanceof OutboundError)) throw err;
        return { field, message: err.message };
      },
    )));
    const errors = refused.filter((e): e is FieldError => e !== null);
    if (errors.length) throw new DomainError(400, 'OUTBOUND_URL_REFUSED', `${what} is not allowed: ${errors[0].message}`, errors);
  }
}

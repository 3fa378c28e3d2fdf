import { Injectable, Logger } from '@nestjs/common';
import type { ChatCompletionMessageParam } from 'openai/resources/chat/completions';
import { AppConfig } from '@app/common';
import { SecretBoxError } from '@app/common/crypto';
import { MetricsService } from '@app/common/metrics';
import { OutboundHttpClient, SignedWebhookSender } from '@app/common/outbound';
import type { TaskContext } from '../agent-outcome';
import type { SessionMessage } from '../agents/agent-call';
import type { JobTypeEntity } from '../job-type.entity';
import { JsonSchemas } from '../json-schemas';
import { JobTypeSecrets } from '../secrets/job-type-secrets';
import { runAgentLoop } from './agent-loop';
import { OpenAiTaskOutcome, responseFormat, taskConversation, taskOutcome, turnConversation } from './conversation';
import { addUsage, LoopResult, NO_USAGE, ToolCallRecord } from './loop-types';
import { ModelCaller, ModelClient, ModelRequest } from './model-client';
import type { OpenAiExecutor } from './openai-executor';
import { buildToolBox } from './tool-box';
import { ToolContext, ToolRegistry } from './tool-registry';

/** Model calls of one task or turn when its config says nothing (the config's max_iterations). */
export const DEFAULT_MAX_ITERATIONS = 10;
/** Retries of one model call answered 429 or 5xx (each waits the one backoff, or the 429's Retry-After). */
export const MODEL_MAX_RETRIES = 5;

/** A session turn as the turn runner hands it over (spec "Sessions": the history is the messages before `message`). */
export interface OpenAiTurn {
  org_id: string;
  session_id: string;
  turn_id: string;
  history: SessionMessage[];
  message: string;
  context: Record<string, unknown>;
  max_iterations: number;
  config?: { start_prompt?: string | null };
}

export interface OpenAiTurnOptions {
  signal: AbortSignal;
  onToolCall?(call: ToolCallRecord): void;
  /** The turn's time limit, if any: model retries never wait past it. */
  deadline?: Date;
}

interface LoopRun {
  messages: ChatCompletionMessageParam[];
  scope: Omit<ToolContext, 'tool_call_id' | 'signal'>;
  callId: string;
  maxIterations: number;
  responseFormat?: ModelRequest['response_format'];
  signal: AbortSignal;
  onToolCall?(call: ToolCallRecord): void;
  deadline?: Date;
}

/**
 * Runs `openai` executors (spec "Agents run by the service"): a job task or a session turn is a
 * tool loop against the job type's model server, its tools acting for the call's org. Never
 * throws for what the model or a tool does: that is the outcome. An aborted run answers an
 * ABORTED failure that the caller ignores (it knows why it aborted).
 */
@Injectable()
export class OpenAiRunner {
  private readonly logger = new Logger(OpenAiRunner.name);

  constructor(
    private readonly config: AppConfig,
    private readonly outbound: OutboundHttpClient,
    private readonly sender: SignedWebhookSender,
    private readonly secrets: JobTypeSecrets,
    private readonly schemas: JsonSchemas,
    private readonly tools: ToolRegistry,
    private readonly metrics: MetricsService,
  ) {}

  /** A job task, on its session's history (`task.messages`) when the job runs in one; `deadline`: the job's max_time_to_complete. */
  async runTask(jobType: JobTypeEntity, task: TaskContext, options: { deadline?: Date } = {}): Promise<OpenAiTaskOutcome> {
    const executor = jobType.executor as OpenAiExecutor;
    const config = task.config as { start_prompt?: string | null; max_iterations?: number };
    const loop = await this.run(jobType, {
      messages: taskConversation(executor, { kind: task.kind, params: task.params, config, previous_tasks: task.previous_tasks }, task.messages),
      scope: {
        org_id: task.org_id, job_type_id: task.job_type_id, job_id: task.job_id, task_id: task.task_id, session_id: task.session_id,
        target_channel: task.target_channel,
      },
      callId: task.task_id,
      maxIterations: config.max_iterations ?? DEFAULT_MAX_ITERATIONS,
      responseFormat: responseFormat(jobType.output_schema),
      signal: task.signal,
      deadline: options.deadline,
    });
    return taskOutcome(loop, jobType.output_schema);
  }

  /** A session turn on its history: complete, max_iterations_reached (with the partial answer) or error. */
  runTurn(jobType: JobTypeEntity, turn: OpenAiTurn, options: OpenAiTurnOptions): Promise<LoopResult> {
    return this.run(jobType, {
      messages: turnConversation(jobType.executor as OpenAiExecutor, turn),
      scope: { org_id: turn.org_id, job_type_id: jobType.id, job_id: null, task_id: null, session_id: turn.session_id, target_channel: null },
      callId: turn.turn_id,
      maxIterations: turn.max_iterations,
      signal: options.signal,
      onToolCall: options.onToolCall,
      deadline: options.deadline,
    });
  }

  private async run(jobType: JobTypeEntity, run: LoopRun): Promise<LoopResult> {
    const executor = jobType.executor as OpenAiExecutor;
    let apiKey: string | null;
    try {
      apiKey = this.secrets.openApiKey(jobType);
    } catch (err) {
      if (!(err instanceof SecretBoxError)) throw err;
      return failedRun('API_KEY_UNREADABLE', `the job type's api_key does not open with this worker's ENCRYPTION_KEY: ${err.message}`);
    }
    const client = new ModelClient(
      this.outbound, { ...executor, api_key: apiKey },
      { baseMs: this.config.MODEL_RETRY_BASE_MS, maxRetries: MODEL_MAX_RETRIES }, run.deadline?.getTime(),
    );
    // Counted per answer, so a run that fails later still shows what it spent.
    const model: ModelCaller = {
      complete: async (request, signal) => {
        const answer = await client.complete(request, signal);
        this.metrics.modelCall(jobType.id, addUsage(NO_USAGE, answer.usage));
        return answer;
      },
    };
    const tools = buildToolBox(executor.tools, {
      validate: (schema, value, prefix) => this.schemas.validate(schema, value, prefix),
      registry: this.tools,
      sender: this.sender,
      signingSecrets: () => this.secrets.signingSecrets(jobType),
      context: run.scope,
      callId: run.callId,
      onUnexpected: (tool, err) => this.logger.warn(`tool ${tool} of job type ${jobType.id} (org ${jobType.org_id}) failed: ${(err as Error)?.message ?? err}`),
    });
    const { messages: _conversation, ...result } = await runAgentLoop({
      model, tools, messages: run.messages, maxIterations: run.maxIterations, responseFormat: run.responseFormat,
      signal: run.signal, onToolCall: run.onToolCall,
    });
    return result;
  }
}

const failedRun = (code: string, message: string): LoopResult =>
  ({ status: 'error', response: null, tool_calls: [], iterations: 0, usage: NO_USAGE, error: { code, message } });

import { Injectable } from '@nestjs/common';
import { SecretBoxError } from '@app/common/crypto';
import { OutboundError } from '@app/common/outbound';
import { BuiltinRegistry } from '../builtins/builtin-registry';
import type { BuiltinExecutor, HttpExecutor } from '../executor';
import type { JobTypeEntity } from '../job-type.entity';
import { JobTypeSecrets } from '../secrets/job-type-secrets';
import { AgentCall, AgentRunOptions, failure, isTurn, OutcomeOf, TaskCall } from './agent-call';
import { HttpAgentClient } from './http-agent.client';
import { HttpTurnRunner } from './http-turn.runner';
import { MetricsService } from '@app/common/metrics';
import { OpenAiRunner } from '../openai/openai-runner';

/**
 * The one way the service calls an agent: a job's task or a session's turn, through the job
 * type's executor, with an abort signal, answering the outcome type of the call's kind. Tasks
 * and turns share the runners, so signing, SSRF rules, timeouts and aborts are written once.
 * It never throws for what an agent does: every failure is an outcome. An aborted call
 * answers a failure coded ABORTED that the caller ignores (it knows why it aborted). What an
 * agent outside the service reports it spent is counted in the metrics registry here; the openai
 * runner counts each model answer itself.
 */
@Injectable()
export class AgentExecutor {
  constructor(
    private readonly httpTasks: HttpAgentClient,
    private readonly httpTurns: HttpTurnRunner,
    private readonly builtins: BuiltinRegistry,
    private readonly secrets: JobTypeSecrets,
    private readonly openai: OpenAiRunner,
    private readonly metrics: MetricsService,
  ) {}

  async run<C extends AgentCall>(jobType: JobTypeEntity, call: C, options: AgentRunOptions): Promise<OutcomeOf<C>> {
    const executor = jobType.executor;
    if (executor.type === 'openai') return this.openAi(jobType, call, options);
    const outcome = executor.type === 'builtin' ? await this.builtin(executor, call, options) : await this.http(jobType, call, options);
    if (outcome.status !== 'accepted') this.metrics.agentSpend(jobType.id, outcome as { usage?: { prompt: number; completion: number } });
    return outcome;
  }

  private async http<C extends AgentCall>(jobType: JobTypeEntity, call: C, options: AgentRunOptions): Promise<OutcomeOf<C>> {
    const executor = jobType.executor as HttpExecutor;
    let signingSecrets: string[];
    try {
      signingSecrets = this.secrets.signingSecrets(jobType);
    } catch (err) {
      if (!(err instanceof SecretBoxError)) throw err;
      return failure(call, 'SIGNING_SECRET_UNREADABLE', `the job type's signing secret does not open: ${err.message}`);
    }
    try {
      const outcome = isTurn(call)
        ? this.httpTurns.run(executor, signingSecrets, call, options)
        : this.httpTasks.call(executor, signingSecrets, (call as TaskCall).task_id, call, options.signal);
      return (await outcome) as OutcomeOf<C>;
    } catch (err) {
      if (err instanceof OutboundError && err.code === 'ABORTED') return failure(call, 'ABORTED', 'aborted');
      throw err;
    }
  }

  /** The service runs the tool loop itself, on the session's history for a turn. */
  private async openAi<C extends AgentCall>(jobType: JobTypeEntity, call: C, options: AgentRunOptions): Promise<OutcomeOf<C>> {
    const { signal, onToolCall, deadline } = options;
    if (isTurn(call)) {
      const turn = {
        org_id: call.org_id, session_id: call.session_id, turn_id: call.turn_id, history: call.messages,
        message: call.message, context: call.context, max_iterations: call.max_iterations, config: call.config,
      };
      return (await this.openai.runTurn(jobType, turn, { signal, onToolCall, deadline })) as OutcomeOf<C>;
    }
    const { callback: _callback, ...task } = call as TaskCall;
    return (await this.openai.runTask(jobType, { ...task, signal }, { deadline })) as OutcomeOf<C>;
  }

  private async builtin<C extends AgentCall>(executor: BuiltinExecutor, call: C, options: AgentRunOptions): Promise<OutcomeOf<C>> {
    const agent = this.builtins.get(executor.name);
    if (!agent) return failure(call, 'UNKNOWN_BUILTIN', `No builtin agent '${executor.name}'`);
    const { signal } = options;
    try {
      if (isTurn(call)) {
        const outcome = await agent.turn({ ...call, signal });
        outcome.tool_calls.forEach((c) => options.onToolCall?.(c));
        return outcome as OutcomeOf<C>;
      }
      const { callback: _callback, ...task } = call as TaskCall;
      return (await agent.run({ ...task, signal })) as OutcomeOf<C>;
    } catch (err) {
      return failure(call, 'BUILTIN_FAILED', (err as Error).message.slice(0, 1000));
    }
  }
}

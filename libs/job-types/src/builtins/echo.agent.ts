import { Injectable } from '@nestjs/common';
import { AgentOutcome, BuiltinAgent, TaskContext } from '../agent-outcome';
import { NO_USAGE, TurnContext, TurnOutcome } from '../agents/agent-call';

/** Answers at once, for wiring checks and benchmarks: a task with its params as the result, a turn with its message. */
@Injectable()
export class EchoAgent implements BuiltinAgent {
  readonly name = 'echo';

  async run(ctx: TaskContext): Promise<AgentOutcome> {
    return { status: 'completed', result: ctx.params };
  }

  async turn(ctx: TurnContext): Promise<TurnOutcome> {
    return { status: 'complete', response: ctx.message, tool_calls: [], iterations: 1, usage: NO_USAGE, error: null };
  }
}

import { Injectable } from '@nestjs/common';
import { AgentOutcome, BuiltinAgent, TaskContext } from '../agent-outcome';

/** Completes at once with its params as the result: for wiring checks and benchmarks. */
@Injectable()
export class EchoAgent implements BuiltinAgent {
  readonly name = 'echo';

  async run(ctx: TaskContext): Promise<AgentOutcome> {
    return { status: 'completed', result: ctx.params };
  }
}

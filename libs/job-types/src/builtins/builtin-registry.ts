import { Injectable } from '@nestjs/common';
import { BuiltinAgent } from '../agent-outcome';
import { EchoAgent } from './echo.agent';

/**
 * The builtin agents by name. Builtins that need another library's data (jobs-report reads
 * the jobs library's table) are registered by that library when its module starts.
 */
@Injectable()
export class BuiltinRegistry {
  private readonly agents = new Map<string, BuiltinAgent>();

  constructor(echo: EchoAgent) {
    this.register(echo);
  }

  register(agent: BuiltinAgent): void {
    if (this.agents.has(agent.name)) throw new Error(`builtin agent '${agent.name}' is registered twice`);
    this.agents.set(agent.name, agent);
  }

  names(): string[] {
    return [...this.agents.keys()];
  }

  get(name: string): BuiltinAgent | undefined {
    return this.agents.get(name);
  }
}

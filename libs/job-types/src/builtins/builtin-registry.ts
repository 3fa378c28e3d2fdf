import { Injectable } from '@nestjs/common';
import { BuiltinAgent } from '../agent-outcome';
import { EchoAgent } from './echo.agent';
import { JobsReportAgent } from './jobs-report.agent';

@Injectable()
export class BuiltinRegistry {
  private readonly agents: Map<string, BuiltinAgent>;

  constructor(echo: EchoAgent, jobsReport: JobsReportAgent) {
    this.agents = new Map([echo, jobsReport].map((a) => [a.name, a]));
  }

  names(): string[] {
    return [...this.agents.keys()];
  }

  get(name: string): BuiltinAgent | undefined {
    return this.agents.get(name);
  }
}

import { Injectable } from '@nestjs/common';
import type { BuiltinToolName } from './openai-executor';

/**
 * Who a tool call acts for: always taken from the running call, never from the arguments the
 * model chose, so a tool can only reach the job's own org.
 */
export interface ToolContext {
  org_id: string;
  job_type_id: string;
  /** The running job and task; null in a session turn (no job runs). */
  job_id: string | null;
  task_id: string | null;
  session_id: string | null;
  /** The running job's channel (a subjob posts where its parent does); null in a turn. */
  target_channel: Record<string, unknown> | null;
  /** The model's id for this call: unique within the run. */
  tool_call_id: string;
  signal: AbortSignal;
}

/** A failed tool call as the model is told: `{"error": {"code", "message"}}`. */
export class ToolError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
    this.name = 'ToolError';
  }
}

/** A tool the service runs itself. Its arguments were checked against `parameters` before `run`. */
export interface BuiltinTool {
  readonly name: BuiltinToolName;
  readonly description: string;
  /** JSON Schema (type object) of the arguments. */
  readonly parameters: object;
  /** The tool's result (sent to the model as JSON); throws ToolError (or a DomainError) for a failure to report. */
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<unknown>;
}

/**
 * The builtin tools by name. They read and write the jobs library's tables, and that library
 * depends on this one, so it registers them when its module starts (like jobs-report in
 * BuiltinRegistry). The names are fixed (BUILTIN_TOOL_NAMES), so a job type naming one is
 * valid in every process, whatever is registered there.
 */
@Injectable()
export class ToolRegistry {
  private readonly tools = new Map<string, BuiltinTool>();

  register(tool: BuiltinTool): void {
    if (this.tools.has(tool.name)) throw new Error(`builtin tool '${tool.name}' is registered twice`);
    this.tools.set(tool.name, tool);
  }

  get(name: string): BuiltinTool | undefined {
    return this.tools.get(name);
  }
}

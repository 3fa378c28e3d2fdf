/** Bull queue that runs agent tasks; the Bull job id is always our task id. */
export const AGENT_TASKS_QUEUE = 'agent-tasks';

export interface AgentTaskPayload {
  org_id: string;
  job_id: string;
  task_id: string;
}

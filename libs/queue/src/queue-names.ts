/** Bull queue that runs agent tasks; the Bull job id is always our task id. */
export const AGENT_TASKS_QUEUE = 'agent-tasks';
/** Posts a completed task's result to the job's channel; Bull job id = `post:<task_id>`. */
export const CHANNEL_POSTS_QUEUE = 'channel-posts';
/** Delivers one observer webhook attempt; Bull job id = `<delivery_id>:<attempt>`. */
export const WEBHOOK_DELIVERIES_QUEUE = 'webhook-deliveries';
/** Every Bull queue of the service (QueueModule registers them; the queue dashboard shows them). */
export const BULL_QUEUES = [AGENT_TASKS_QUEUE, CHANNEL_POSTS_QUEUE, WEBHOOK_DELIVERIES_QUEUE] as const;

export interface AgentTaskPayload {
  org_id: string;
  job_id: string;
  task_id: string;
}

export interface ChannelPostPayload {
  org_id: string;
  job_id: string;
  task_id: string;
}

export interface WebhookDeliveryPayload {
  org_id: string;
  delivery_id: string;
  attempt: number;
}

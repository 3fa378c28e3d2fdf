import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** Every series of ours starts with it, default Node metrics too. */
export const METRICS_PREFIX = 'agent_jobs_';

const SECONDS_FAST = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const SECONDS_SLOW = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];

/**
 * The series features report into (through MetricsService), in one registry per app so that
 * several apps in one process (tests) never share counts. Label sets are bounded: route
 * templates, never ids; job types capped (BoundedLabel); outcomes and statuses from fixed sets.
 */
export function defineSeries(registry: Registry, collectQueueDepths: (gauge: Gauge<'queue' | 'state'>) => Promise<void>) {
  const n = (name: string) => `${METRICS_PREFIX}${name}`;
  const registers = [registry];
  return {
    httpRequests: new Counter({
      name: n('http_requests_total'), help: 'HTTP requests answered, by method, route template and status', labelNames: ['method', 'route', 'status'], registers,
    }),
    httpDuration: new Histogram({
      name: n('http_request_duration_seconds'), help: 'Time from a request\'s arrival to the end of its response (a stream\'s whole life)',
      labelNames: ['method', 'route', 'status'], buckets: SECONDS_FAST, registers,
    }),
    jobsCreated: new Counter({
      name: n('jobs_created_total'), help: 'Jobs created (replays of an Idempotency-Key not counted), by initial status and job type', labelNames: ['status', 'job_type'], registers,
    }),
    jobsFinished: new Counter({
      name: n('jobs_finished_total'), help: 'Jobs that reached a terminal status, by status and job type', labelNames: ['status', 'job_type'], registers,
    }),
    taskDuration: new Histogram({
      name: n('task_duration_seconds'), help: 'Tasks run by this worker: from the claim to the applied outcome, by executor type and outcome',
      labelNames: ['executor', 'outcome'], buckets: SECONDS_SLOW, registers,
    }),
    deliveryDuration: new Histogram({
      name: n('delivery_duration_seconds'), help: 'Channel post attempts (Slack, webhook channels): the platform call, by platform and outcome',
      labelNames: ['platform', 'outcome'], buckets: SECONDS_FAST, registers,
    }),
    webhookAttempts: new Counter({
      name: n('webhook_attempts_total'), help: 'Observer webhook attempts (callback_url, observers), by outcome and trigger (automatic, manual)',
      labelNames: ['outcome', 'trigger'], registers,
    }),
    sessionTurns: new Counter({ name: n('session_turns_total'), help: 'Session turns ended in this process, by status', labelNames: ['status'], registers }),
    sessionTurnDuration: new Histogram({
      name: n('session_turn_duration_seconds'), help: 'Session turns: from the start to the stored outcome, by status', labelNames: ['status'], buckets: SECONDS_SLOW, registers,
    }),
    modelCalls: new Counter({ name: n('model_calls_total'), help: 'Model calls of openai executors that answered, by job type', labelNames: ['job_type'], registers }),
    modelTokens: new Counter({
      name: n('model_tokens_total'), help: 'Model tokens spent by openai executors, by job type and kind (prompt, completion)', labelNames: ['job_type', 'kind'], registers,
    }),
    agentTokens: new Counter({
      name: n('agent_tokens_total'), help: 'Tokens that agents outside the service (http, builtin) reported they spent, by job type and kind (prompt, completion)',
      labelNames: ['job_type', 'kind'], registers,
    }),
    rateLimitFailOpen: new Counter({
      name: n('rate_limit_fail_open_total'), help: 'Requests served without a rate-limit check because Redis did not answer it (fail open)',
      labelNames: ['store'], registers,
    }),
    queueJobs: new Gauge({
      name: n('queue_jobs'), help: 'Bull jobs per queue and state, read from Redis at scrape time (absent while Redis cannot be reached)',
      labelNames: ['queue', 'state'], registers,
      // Every process reads the same Redis: an API_PROCESSES > 1 aggregate takes one reading, not their sum.
      aggregator: 'max',
      async collect() {
        await collectQueueDepths(this);
      },
    }),
  };
}

export type Series = ReturnType<typeof defineSeries>;

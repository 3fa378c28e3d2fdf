import { Injectable, OnModuleDestroy } from '@nestjs/common';
import cluster from 'node:cluster';
import { performance } from 'node:perf_hooks';
import { AggregatorRegistry, collectDefaultMetrics, Gauge, Registry, RegistryContentType } from 'prom-client';
import { AppConfig } from '../config';
import { BoundedLabel, oneOf } from './bounded-label';
import { defineSeries, METRICS_PREFIX, Series } from './metric-series';

/** Distinct job type ids a process names in its series; later ones are counted as "other". */
export const JOB_TYPE_LABEL_LIMIT = 50;
/** A queue whose depth has not come back from Redis by then is left out of the scrape. */
const QUEUE_DEPTH_TIMEOUT_MS = 2000;

const set = (...values: string[]) => new Set(values);
const HTTP_METHODS = set('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS');
const EXECUTORS = set('http', 'builtin', 'openai', 'none');
const TASK_OUTCOMES = set('completed', 'failed', 'retry', 'follow_up', 'awaiting_callback', 'ignored', 'canceled', 'timeout', 'handed_back', 'error');
const JOB_STATUSES = set('WAITING', 'SCHEDULED', 'RUNNING', 'COMPLETED', 'FAILED', 'CANCELED');
const PLATFORMS = set('slack', 'webhook');
const DELIVERY_OUTCOMES = set('delivered', 'failed', 'retry', 'error');
const WEBHOOK_OUTCOMES = set('delivered', 'gone', 'rejected', 'retry');
const TURN_STATUSES = set('complete', 'max_iterations_reached', 'error', 'canceled');

let clusterListener: AggregatorRegistry<RegistryContentType> | undefined;

/** In a forked API process: answer the primary's aggregated scrape (prom-client listens once an AggregatorRegistry exists). */
function joinClusterAggregation(registry: Registry): void {
  clusterListener ??= new AggregatorRegistry();
  AggregatorRegistry.setRegistries([registry]);
}

/** Reads one Bull queue's job counts by state (Queue.getJobCounts). */
export interface QueueDepthSource {
  queue: string;
  counts(): Promise<Record<string, number>>;
}

/** Ends a measurement: records the seconds since it started with the labels known by then. */
export type StopTimer<A extends unknown[]> = (...labels: A) => void;

/**
 * The one metrics registry of an app, and the calls features report through (one line each,
 * no prom-client object outside this module). With METRICS_ENABLED=false every call is a no-op.
 */
@Injectable()
export class MetricsService implements OnModuleDestroy {
  readonly registry = new Registry();
  readonly enabled: boolean;
  private readonly series: Series;
  private readonly jobTypes = new BoundedLabel(JOB_TYPE_LABEL_LIMIT);
  private readonly queues: QueueDepthSource[] = [];

  constructor(config: AppConfig) {
    this.enabled = config.METRICS_ENABLED;
    this.series = defineSeries(this.registry, (gauge) => this.collectQueueDepths(gauge));
    if (!this.enabled) return;
    // Event-loop lag, heap, GC, CPU, handles: prom-client's defaults, under our prefix.
    collectDefaultMetrics({ register: this.registry, prefix: METRICS_PREFIX });
    // An API process of an API_PROCESSES > 1 deployment answers the primary's aggregated scrape.
    if (cluster.isWorker) joinClusterAggregation(this.registry);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The Prometheus text exposition of every series. */
  render(): Promise<string> {
    return this.registry.metrics();
  }

  /** Queue depths are read at scrape time, from the source each queue's owner registers. */
  addQueueDepthSource(source: QueueDepthSource): void {
    this.queues.push(source);
  }

  httpRequest(method: string, route: string, status: number, seconds: number): void {
    if (!this.enabled) return;
    const labels = { method: oneOf(method, HTTP_METHODS), route, status: String(status) };
    this.series.httpRequests.inc(labels);
    this.series.httpDuration.observe(labels, seconds);
  }

  jobCreated(status: string, jobTypeId: string): void {
    if (this.enabled) this.series.jobsCreated.inc({ status: oneOf(status, JOB_STATUSES), job_type: this.jobTypes.of(jobTypeId) });
  }

  jobFinished(status: string, jobTypeId: string): void {
    if (this.enabled) this.series.jobsFinished.inc({ status: oneOf(status, JOB_STATUSES), job_type: this.jobTypes.of(jobTypeId) });
  }

  /** Started when a task is claimed; stopped with its executor type and what became of it. */
  taskTimer(): StopTimer<[executor: string, outcome: string]> {
    const stop = this.timer();
    return (executor, outcome) => {
      if (this.enabled) this.series.taskDuration.observe({ executor: oneOf(executor, EXECUTORS), outcome: oneOf(outcome, TASK_OUTCOMES) }, stop());
    };
  }

  /** Times one channel post attempt; its outcome is the deliverer's answer (`error` when it threw). */
  async timeDelivery<T extends { kind: string }>(platform: string, attempt: () => Promise<T>): Promise<T> {
    const stop = this.timer();
    let outcome = 'error';
    try {
      const result = await attempt();
      outcome = result.kind;
      return result;
    } finally {
      if (this.enabled) this.series.deliveryDuration.observe({ platform: oneOf(platform, PLATFORMS), outcome: oneOf(outcome, DELIVERY_OUTCOMES) }, stop());
    }
  }

  webhookAttempt(verdict: string, trigger: 'automatic' | 'manual'): void {
    if (this.enabled) this.series.webhookAttempts.inc({ outcome: oneOf(verdict, WEBHOOK_OUTCOMES), trigger });
  }

  /** Started with a session turn; stopped with the turn's final status. */
  sessionTurnTimer(): StopTimer<[status: string]> {
    const stop = this.timer();
    return (status) => {
      if (!this.enabled) return;
      const labels = { status: oneOf(status, TURN_STATUSES) };
      this.series.sessionTurns.inc(labels);
      this.series.sessionTurnDuration.observe(labels, stop());
    };
  }

  /** One model answer of an openai executor, with its (sanitized) token counts. */
  modelCall(jobTypeId: string, usage: { prompt: number; completion: number }): void {
    if (!this.enabled) return;
    const job_type = this.jobTypes.of(jobTypeId);
    this.series.modelCalls.inc({ job_type });
    if (usage.prompt > 0) this.series.modelTokens.inc({ job_type, kind: 'prompt' }, usage.prompt);
    if (usage.completion > 0) this.series.modelTokens.inc({ job_type, kind: 'completion' }, usage.completion);
  }

  /** What an agent outside the service says one answer spent (nothing counted when it reports nothing). */
  agentSpend(jobTypeId: string, spend: { usage?: { prompt: number; completion: number } }): void {
    if (!this.enabled || !spend.usage) return;
    const job_type = this.jobTypes.of(jobTypeId);
    if (spend.usage.prompt > 0) this.series.agentTokens.inc({ job_type, kind: 'prompt' }, spend.usage.prompt);
    if (spend.usage.completion > 0) this.series.agentTokens.inc({ job_type, kind: 'completion' }, spend.usage.completion);
  }

  /** A request served unchecked: Redis could not count it (the limiter fails open). */
  rateLimitFailOpen(): void {
    if (this.enabled) this.series.rateLimitFailOpen.inc({ store: 'redis' });
  }

  onModuleDestroy(): void {
    this.registry.clear();
  }

  /** A stopwatch in seconds. */
  private timer(): () => number {
    const start = performance.now();
    return () => (performance.now() - start) / 1000;
  }

  private async collectQueueDepths(gauge: Gauge<'queue' | 'state'>): Promise<void> {
    gauge.reset();
    if (!this.enabled) return;
    await Promise.all(this.queues.map(async (source) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error('timeout')), QUEUE_DEPTH_TIMEOUT_MS);
      });
      try {
        const counts = await Promise.race([source.counts(), timeout]);
        for (const [state, count] of Object.entries(counts)) gauge.set({ queue: source.queue, state }, count);
      } catch {
        // Redis away: this queue is left out of the scrape rather than shown with stale numbers.
      } finally {
        clearTimeout(timer);
      }
    }));
  }
}

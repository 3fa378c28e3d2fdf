import { loadConfig } from '../config';
import { JOB_TYPE_LABEL_LIMIT, MetricsService } from './metrics.service';

const service = (env: NodeJS.ProcessEnv = {}) => new MetricsService(loadConfig({ NODE_ENV: 'test', ...env }));

describe('MetricsService', () => {
  it('names at most JOB_TYPE_LABEL_LIMIT job types; the rest are "other"', async () => {
    const metrics = service();
    for (let i = 0; i < JOB_TYPE_LABEL_LIMIT + 5; i++) metrics.jobCreated('WAITING', `type-${i}`);
    metrics.jobCreated('WAITING', 'type-0');
    const { values } = await metrics.registry.getSingleMetric('agent_jobs_jobs_created_total')!.get();
    expect(values).toHaveLength(JOB_TYPE_LABEL_LIMIT + 1);
    expect(values.find((v) => v.labels.job_type === 'other')?.value).toBe(5);
    expect(values.find((v) => v.labels.job_type === 'type-0')?.value).toBe(2);
    metrics.onModuleDestroy();
  });

  it('folds unknown values of fixed label sets into "other", and records nothing when turned off', async () => {
    const metrics = service();
    metrics.taskTimer()('mystery', 'completed');
    metrics.httpRequest('BREW', '/x', 418, 0.01);
    expect(await metrics.render()).toContain('agent_jobs_task_duration_seconds_count{executor="other",outcome="completed"} 1');
    expect(await metrics.render()).toContain('agent_jobs_http_requests_total{method="other",route="/x",status="418"} 1');
    metrics.onModuleDestroy();

    const off = service({ METRICS_ENABLED: 'false' });
    off.jobCreated('WAITING', 'echo');
    off.httpRequest('GET', '/x', 200, 0.01);
    expect(await off.render()).not.toMatch(/^agent_jobs_\w+(\{.*\})? \d/m);
    off.onModuleDestroy();
  });
});

import { Injectable } from '@nestjs/common';
import { SignedCursors } from '@app/common';
import { ownedOrThrow } from '@app/database';
import { jobListCursors, ListJobsQueryDto } from './dto/list-jobs.query';
import { JobListRepository } from './job-list.repository';
import type { JobRow } from './job-rows';
import { eventView } from './job-view';
import { JobsReadRepository } from './jobs-read.repository';
import { jsonEnvelope } from './json-envelope';

/** Reads jobs: one job with its tasks, the filtered/paged list, the event history. */
@Injectable()
export class JobsQueryService {
  constructor(
    private readonly reads: JobsReadRepository,
    private readonly lists: JobListRepository,
    private readonly cursors: SignedCursors,
  ) {}

  /** 404 when unknown, 403 when it belongs to another org (the spec's rule for every record). */
  async getOwned(orgId: string, jobId: string): Promise<JobRow> {
    return ownedOrThrow(await this.reads.lookup(orgId, jobId), 'JOB_NOT_FOUND', `Job '${jobId}'`);
  }

  /** The job with its tasks and subjob ids as JSON text, in one round trip. */
  async getJson(orgId: string, jobId: string): Promise<string> {
    return ownedOrThrow(await this.reads.jsonLookup(orgId, jobId), 'JOB_NOT_FOUND', `Job '${jobId}'`).job;
  }

  async events(orgId: string, jobId: string) {
    await this.getOwned(orgId, jobId);
    return (await this.reads.events(orgId, jobId)).map(eventView);
  }

  /** The page as the response body: JSON text with the jobs as Postgres built them. */
  async list(orgId: string, q: ListJobsQueryDto): Promise<string> {
    const cursor = q.cursor ? jobListCursors.open(this.cursors, orgId, q) : undefined;
    const { rows, total } = await this.lists.page(orgId, q, cursor);
    const { page, meta } = jobListCursors.page(this.cursors, orgId, q, rows, total);
    return jsonEnvelope(`[${page.map((r) => r.job).join(',')}]`, meta);
  }
}

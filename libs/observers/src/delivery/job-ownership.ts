import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { forbidden, notFound } from '@app/common';

/** The spec's rule for every record, as JobsQueryService.getOwned: 404 unknown, 403 another org's. */
@Injectable()
export class JobOwnership {
  constructor(private readonly db: DataSource) {}

  async assertOwned(orgId: string, jobId: string): Promise<void> {
    const [job] = await this.db.query(`SELECT org_id FROM jobs WHERE id = $1`, [jobId]);
    if (!job) throw notFound('JOB_NOT_FOUND', `Job '${jobId}' not found`);
    if (job.org_id !== orgId) throw forbidden('FORBIDDEN', `Job '${jobId}' belongs to another org`);
  }
}

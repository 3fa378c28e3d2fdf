import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { OrgEntity } from './api-token.entity';

/** `orgs`: an org exists once a token was issued for it (nothing else creates or deletes one). */
@Injectable()
export class OrgsRepository {
  constructor(@InjectRepository(OrgEntity) private readonly orgs: Repository<OrgEntity>) {}

  /** Creates the org unless it exists. */
  async ensure(orgId: string): Promise<void> {
    await this.orgs.createQueryBuilder().insert().values({ id: orgId }).orIgnore().execute();
  }
}

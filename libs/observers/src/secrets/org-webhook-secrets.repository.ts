import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** An org's stored secrets: the current one, and the previous one while it still signs. */
export interface LiveSecrets {
  secret: string;
  previous: string | null;
  previous_expires_at: Date | null;
}

/** The org does not exist (the row's foreign key to orgs): nothing was stored. */
export const NO_ORG = 'no_org' as const;

const LIVE = `secret, CASE WHEN previous_secret_expires_at > now() THEN previous_secret END AS previous,
              previous_secret_expires_at AS previous_expires_at`;

/** The statement violated org_webhook_secrets' foreign key to orgs. */
const isNoOrg = (err: unknown) => (err as { code?: string }).code === '23503';

/** `org_webhook_secrets`: one row per org, created at the first use; every statement names the org. */
@Injectable()
export class OrgWebhookSecretsRepository {
  constructor(private readonly db: DataSource) {}

  /** Null: the org has no secret yet. */
  async live(orgId: string): Promise<LiveSecrets | null> {
    const [row] = await this.db.query(`SELECT ${LIVE} FROM org_webhook_secrets WHERE org_id = $1`, [orgId]);
    return row ?? null;
  }

  /** Stores `sealed` unless the org has a secret (whoever stores first wins); what is stored then. */
  async createIfAbsent(orgId: string, sealed: string): Promise<LiveSecrets | typeof NO_ORG> {
    return this.noOrgAs(async () => {
      const [row] = await this.db.query(
        `INSERT INTO org_webhook_secrets (org_id, secret) VALUES ($1, $2)
         ON CONFLICT (org_id) DO UPDATE SET secret = org_webhook_secrets.secret
         RETURNING ${LIVE}`,
        [orgId, sealed],
      );
      return row;
    });
  }

  /**
   * Marks the current secret revealed (`sealed` becomes it when there is none) and returns it;
   * 'revealed' when it was revealed before.
   */
  async reveal(orgId: string, sealed: string): Promise<{ secret: string; previous_expires_at: Date | null } | 'revealed' | typeof NO_ORG> {
    return this.noOrgAs(async () => {
      const [row] = await this.db.query(
        `INSERT INTO org_webhook_secrets (org_id, secret, revealed_at) VALUES ($1, $2, now())
         ON CONFLICT (org_id) DO UPDATE SET revealed_at = now() WHERE org_webhook_secrets.revealed_at IS NULL
         RETURNING secret, CASE WHEN previous_secret_expires_at > now() THEN previous_secret_expires_at END AS previous_expires_at`,
        [orgId, sealed],
      );
      return row ?? 'revealed';
    });
  }

  /**
   * `sealed` becomes the current secret, revealed; the one it replaces signs on for `graceHours`
   * (a secret that was already "previous" is dropped at once).
   */
  async rotate(orgId: string, sealed: string, graceHours: number): Promise<{ previous_expires_at: Date | null } | typeof NO_ORG> {
    return this.noOrgAs(async () => {
      const [row] = await this.db.query(
        `INSERT INTO org_webhook_secrets (org_id, secret, revealed_at) VALUES ($1, $2, now())
         ON CONFLICT (org_id) DO UPDATE SET previous_secret = org_webhook_secrets.secret,
           previous_secret_expires_at = now() + interval '${Math.trunc(graceHours)} hours',
           secret = EXCLUDED.secret, revealed_at = now()
         RETURNING previous_secret_expires_at AS previous_expires_at`,
        [orgId, sealed],
      );
      return row;
    });
  }

  private async noOrgAs<T>(write: () => Promise<T>): Promise<T | typeof NO_ORG> {
    try {
      return await write();
    } catch (err) {
      if (isNoOrg(err)) return NO_ORG;
      throw err;
    }
  }
}

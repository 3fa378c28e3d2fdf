import type { DataSource } from 'typeorm';
import { AppConfig } from '@app/common';
import { seal } from '@app/common/crypto';
import type { SlackApi } from './slack-api';
import { SlackIntegrationService, SlackTokenUnreadableError } from './slack-integration.service';
import { SlackIntegrationsRepository } from './slack-integrations.repository';

/** tokenFor's cache, against a fake pool: prepared reads go to `pool.query`, writes to `db.query`. */
describe('SlackIntegrationService token cache', () => {
  const config = Object.assign(new AppConfig(), { ENCRYPTION_KEY: 'a1'.repeat(32) });
  let stored: Record<string, string>;
  let reads: number;

  function service(env: Partial<AppConfig> = {}) {
    const pool = {
      query: jest.fn(async ({ values }: { values: string[] }) => {
        reads++;
        const ct = stored[values[0]];
        return { rows: ct ? [{ bot_token_ciphertext: ct }] : [] };
      }),
    };
    const db = {
      driver: { master: pool },
      query: jest.fn(async (sql: string, params: string[]) => {
        if (sql.startsWith('INSERT')) stored[params[0]] = params[1];
        if (sql.startsWith('DELETE')) {
          const had = params[0] in stored;
          delete stored[params[0]];
          return [had ? [{ org_id: params[0] }] : [], had ? 1 : 0];
        }
        return [];
      }),
    } as unknown as DataSource;
    const slack = { authTest: async () => ({ team_id: 'T1', team_name: 'Team', bot_user_id: 'U1', scopes: ['chat:write'] }) } as unknown as SlackApi;
    return new SlackIntegrationService(new SlackIntegrationsRepository(db), Object.assign(Object.create(config), env), slack);
  }

  beforeEach(() => {
    stored = {};
    reads = 0;
  });

  it('reads and decrypts once per org for concurrent and repeated posts', async () => {
    stored.acme = seal(config.encryptionKey, 'xoxb-acme', 'acme');
    const s = service();
    const tokens = await Promise.all([s.tokenFor('acme'), s.tokenFor('acme'), s.tokenFor('other')]);
    expect(await s.tokenFor('acme')).toEqual({ value: 'xoxb-acme', source: 'org' });
    expect(tokens).toEqual([{ value: 'xoxb-acme', source: 'org' }, { value: 'xoxb-acme', source: 'org' }, null]);
    expect(reads).toBe(2);
  });

  it('a PUT or DELETE through this process drops the org\'s entry at once', async () => {
    const s = service({ SLACK_BOT_TOKEN: 'xoxb-env' });
    expect(await s.tokenFor('acme')).toEqual({ value: 'xoxb-env', source: 'env' });
    await s.put('acme', 'xoxb-acme-1');
    expect(await s.tokenFor('acme')).toEqual({ value: 'xoxb-acme-1', source: 'org' });
    await s.put('acme', 'xoxb-acme-2');
    expect(await s.tokenFor('acme')).toEqual({ value: 'xoxb-acme-2', source: 'org' });
    await s.remove('acme');
    expect(await s.tokenFor('acme')).toEqual({ value: 'xoxb-env', source: 'env' });
    expect(reads).toBe(4);
  });

  it('does not keep an unreadable token: the next post asks again', async () => {
    stored.acme = seal(Buffer.alloc(32, 7), 'xoxb-acme', 'acme');
    const s = service();
    await expect(s.tokenFor('acme')).rejects.toBeInstanceOf(SlackTokenUnreadableError);
    stored.acme = seal(config.encryptionKey, 'xoxb-acme', 'acme');
    expect(await s.tokenFor('acme')).toEqual({ value: 'xoxb-acme', source: 'org' });
    expect(reads).toBe(2);
  });
});

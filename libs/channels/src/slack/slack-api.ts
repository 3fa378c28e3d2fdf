import { Injectable, Logger as NestLogger } from '@nestjs/common';
import { Logger, LogLevel, WebClient } from '@slack/web-api';
import { AppConfig } from '@app/common';
import { outboundFetch, OutboundHttpClient } from '@app/common/outbound';
import type { SlackBlock } from './slack-message';

/** One Slack call's limit; the claim lease of a post (see ChannelPostsRepository) is well above it. */
export const SLACK_TIMEOUT_MS = 10_000;
/** conversations.history / replies pages read when looking for a message an interrupted attempt may have posted. */
const LOOKUP_PAGES = 5;
const LOOKUP_PAGE_SIZE = 100;

export const RESULT_EVENT_TYPE = 'agent_job_result';

export interface SlackTeam {
  team_id: string | null;
  team_name: string | null;
  bot_user_id: string | null;
  /** The token's OAuth scopes when Slack reports them (x-oauth-scopes), else null. */
  scopes: string[] | null;
}

export interface SlackPostArgs {
  channel: string;
  text: string;
  blocks: SlackBlock[];
  threadTs?: string | null;
  jobId: string;
  taskId: string;
}

interface HistoryMessage {
  ts?: string;
  metadata?: { event_type?: string; event_payload?: Record<string, unknown> };
}

/**
 * The Slack Web API calls the service makes, through @slack/web-api's WebClient with our
 * outbound transport. No retries and no waiting inside: rate limits come back at once as
 * ErrorCode.RateLimitedError (retryAfter seconds) so the caller re-enqueues the post.
 * The token is passed per call, so one client serves every org.
 */
@Injectable()
export class SlackApi {
  private readonly client: WebClient;

  constructor(config: AppConfig, outbound: OutboundHttpClient) {
    this.client = new WebClient(undefined, {
      slackApiUrl: config.SLACK_API_URL,
      rejectRateLimitedCalls: true,
      retryConfig: { retries: 0 },
      timeout: SLACK_TIMEOUT_MS,
      // The WebClient queues calls past 100 in flight; DELIVERY_CONCURRENCY is the one limit.
      maxRequestConcurrency: config.DELIVERY_CONCURRENCY,
      allowAbsoluteUrls: false,
      logger: nestLogger(),
      logLevel: LogLevel.ERROR,
      fetch: outboundFetch(outbound, { timeoutMs: SLACK_TIMEOUT_MS + 1000, mayResend: (url) => !url.endsWith('/chat.postMessage') }),
    });
  }

  async authTest(token: string): Promise<SlackTeam> {
    const res = await this.client.auth.test({ token });
    return {
      team_id: res.team_id ?? null, team_name: res.team ?? null, bot_user_id: res.user_id ?? null,
      scopes: res.response_metadata?.scopes ?? null,
    };
  }

  /** Posts a result; `metadata` carries job and task ids so an interrupted attempt can be found again. */
  async postMessage(token: string, args: SlackPostArgs): Promise<{ ts: string }> {
    const res = await this.client.chat.postMessage({
      token,
      channel: args.channel,
      text: args.text,
      blocks: args.blocks as never,
      ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
      metadata: { event_type: RESULT_EVENT_TYPE, event_payload: { job_id: args.jobId, task_id: args.taskId } },
    });
    if (!res.ts) throw Object.assign(new Error('Slack answered ok without a message ts'), { code: 'SLACK_NO_TS' });
    return { ts: res.ts };
  }

  /**
   * The ts of the message an earlier attempt posted for `taskId`, or null: reads the channel
   * (or the thread, for a reply) from `oldest` on, with metadata, and matches
   * metadata.event_payload.task_id.
   */
  async findPosted(token: string, q: { channel: string; taskId: string; oldest: Date; threadTs?: string | null }): Promise<string | null> {
    const oldest = (Math.floor(q.oldest.getTime() / 1000)).toString();
    let cursor: string | undefined;
    for (let page = 0; page < LOOKUP_PAGES; page++) {
      const common = { token, channel: q.channel, oldest, include_all_metadata: true, limit: LOOKUP_PAGE_SIZE, ...(cursor ? { cursor } : {}) };
      const res = q.threadTs
        ? await this.client.conversations.replies({ ...common, ts: q.threadTs })
        : await this.client.conversations.history(common);
      const messages = (res.messages ?? []) as HistoryMessage[];
      const found = messages.find((m) => m.metadata?.event_type === RESULT_EVENT_TYPE && m.metadata.event_payload?.task_id === q.taskId);
      if (found?.ts) return found.ts;
      cursor = res.response_metadata?.next_cursor || undefined;
      if (!cursor || !res.has_more) return null;
    }
    return null;
  }
}

/** The WebClient's log lines, in the service's logger (errors only: failures are handled by the caller). */
function nestLogger(): Logger {
  const log = new NestLogger('SlackWebClient');
  let level = LogLevel.ERROR;
  const text = (msg: unknown[]) => msg.map((m) => (typeof m === 'string' ? m : JSON.stringify(m))).join(' ');
  return {
    debug: (...msg) => void (level === LogLevel.DEBUG && log.debug(text(msg))),
    info: (...msg) => void ([LogLevel.DEBUG, LogLevel.INFO].includes(level) && log.log(text(msg))),
    warn: (...msg) => void (level !== LogLevel.ERROR && log.warn(text(msg))),
    error: (...msg) => log.error(text(msg)),
    setLevel: (l) => { level = l; },
    getLevel: () => level,
    setName: () => undefined,
  };
}

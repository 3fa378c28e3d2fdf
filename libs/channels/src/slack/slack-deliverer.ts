import { Injectable, Logger } from '@nestjs/common';
import type { ChannelDeliverer, DeliveryContext, DeliveryOutcome } from '../delivery/delivery-types';
import { SlackApi } from './slack-api';
import { classifySlackError, SlackFailure } from './slack-errors';
import { SlackIntegrationService, SlackTokenUnreadableError } from './slack-integration.service';
import { buildSlackMessage } from './slack-message';

/** How far before the post's creation the lookup for an interrupted attempt's message starts. */
const LOOKUP_MARGIN_MS = 60_000;

/**
 * Posts a result with chat.postMessage: the job's first post to the channel, follow-up
 * results as replies in its thread. A post resumed after an interrupted attempt first looks
 * for the message that attempt may have posted (by metadata.event_payload.task_id), so a
 * result is never posted twice.
 */
@Injectable()
export class SlackDeliverer implements ChannelDeliverer {
  private readonly logger = new Logger(SlackDeliverer.name);

  constructor(private readonly slack: SlackApi, private readonly integrations: SlackIntegrationService) {}

  async deliver(ctx: DeliveryContext): Promise<DeliveryOutcome> {
    const { post, job } = ctx;
    const channel = job.target_channel.code;
    let token: string;
    try {
      const found = await this.integrations.tokenFor(post.org_id);
      if (!found) return { kind: 'failed', error: { code: 'SLACK_NOT_CONFIGURED', message: 'No Slack bot token: set one with PUT /services/integrations/slack (or SLACK_BOT_TOKEN)' } };
      token = found.value;
    } catch (err) {
      if (err instanceof SlackTokenUnreadableError) return { kind: 'failed', error: { code: 'SLACK_TOKEN_UNREADABLE', message: err.message } };
      throw err;
    }

    if (post.resumed) {
      try {
        const ts = await this.slack.findPosted(token, {
          channel, taskId: post.task_id, threadTs: ctx.threadTs, oldest: new Date(post.created_at.getTime() - LOOKUP_MARGIN_MS),
        });
        if (ts) return { kind: 'delivered', ts, recovered: true };
      } catch (err) {
        const failure = classifySlackError(err);
        // Without history access (scope, membership) there is no way to check: post (at least once).
        if (failure.kind !== 'permanent') return retry(failure, true);
        this.logger.warn(`cannot check ${channel} for an earlier post of ${post.task_id} (${failure.code}); posting`);
      }
    }

    const message = buildSlackMessage({
      jobId: job.id, taskId: post.task_id, jobTypeId: job.job_type_id, seq: post.seq, isFinal: post.is_final, result: post.result,
    });
    try {
      const { ts } = await this.slack.postMessage(token, {
        channel, text: message.text, blocks: message.blocks, threadTs: ctx.threadTs, jobId: job.id, taskId: post.task_id,
      });
      return { kind: 'delivered', ts };
    } catch (err) {
      const failure = classifySlackError(err);
      if (failure.kind === 'permanent') return { kind: 'failed', error: { code: failure.code, message: `${failure.message} (channel ${channel})` } };
      return retry(failure, failure.kind === 'transient' && failure.maybeSent);
    }
  }
}

function retry(failure: Exclude<SlackFailure, { kind: 'permanent' }>, maybeSent: boolean): DeliveryOutcome {
  if (failure.kind === 'rate_limited') {
    return { kind: 'retry', maybeSent: false, retryAfterMs: failure.retryAfterMs, error: { code: 'SLACK_RATE_LIMITED', message: `Slack rate limited the call; retrying in ${Math.ceil(failure.retryAfterMs / 1000)} s` } };
  }
  return { kind: 'retry', maybeSent, error: { code: failure.code, message: failure.message } };
}

import { Injectable } from '@nestjs/common';

/**
 * What "now" is for firing schedules: which fires are due, how late they are, when a pending
 * fire may be retried. One provider, so that tests can move time for the firing service
 * instead of waiting for real cron boundaries.
 */
@Injectable()
export class ScheduleClock {
  now(): Date {
    return new Date();
  }
}

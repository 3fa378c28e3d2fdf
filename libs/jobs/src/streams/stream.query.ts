import { anyText, integer, QueryParam, QueryParser, validationFailed } from '@app/common';
import type { JobEventKind } from '../job-rows';

const eventId = integer(0, Number.MAX_SAFE_INTEGER);

const EVENT_KINDS: readonly JobEventKind[] = ['transition', 'delivery'];
const kindParam: QueryParser<JobEventKind> = {
  parse: (text) => (EVENT_KINDS.includes(text as JobEventKind) ? (text as JobEventKind) : undefined),
  expected: `must be one of ${EVENT_KINDS.join(', ')}`,
  schema: { type: 'string', enum: [...EVENT_KINDS] },
};

/** The query of GET /services/agent-jobs/:id/stream. */
export class JobStreamQueryDto {
  /** Resume after this event id (the Last-Event-ID header, when given, wins). */
  @QueryParam(eventId, { description: 'Replay the events after this event id (a Last-Event-ID header wins); all when neither is given' }) after?: number;
}

/** `latest`: start at the newest event, with no replay (what a live view such as the console wants). */
export const LATEST = 'latest' as const;
const orgPosition: QueryParser<number | typeof LATEST> = {
  parse: (text) => (text === LATEST ? LATEST : eventId.parse(text)),
  expected: `must be an integer from 0 to ${Number.MAX_SAFE_INTEGER}, or ${LATEST}`,
  schema: { oneOf: [eventId.schema, { type: 'string', enum: [LATEST] }] },
};

/** The query of GET /services/events/stream: a position and the filters. */
export class OrgStreamQueryDto {
  @QueryParam(orgPosition, { description: 'Replay the events after this event id (a Last-Event-ID header wins); all when neither is given; `latest`: none, live only' })
  after?: number | typeof LATEST;
  @QueryParam(anyText) job_type_id?: string;
  @QueryParam(anyText) channel_code?: string;
  @QueryParam(kindParam) kind?: JobEventKind;
}

/**
 * Where the client is: Last-Event-ID (what EventSource sends when it reconnects, newer
 * than the URL's ?after=), else ?after=, else null (none).
 */
export function streamPosition<A extends number | typeof LATEST>(after: A | undefined, lastEventId: string | undefined): A | number | null {
  if (lastEventId === undefined) return after ?? null;
  const id = eventId.parse(lastEventId.trim());
  if (id === undefined) throw validationFailed([{ field: 'Last-Event-ID', message: eventId.expected }], 'Invalid Last-Event-ID header');
  return id;
}

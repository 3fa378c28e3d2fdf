import { ApiResponse, ApiResponseOptions } from '@nestjs/swagger';
import { arrayOf, enumOf, INTEGER, object, Schema, SchemaMap, TEXT } from './json-schema';

/** Every member an envelope's `meta` has on some route; a route names the ones it gives. */
const META_FIELDS = {
  org_id: TEXT,
  id: TEXT,
  job_id: TEXT,
  session_id: TEXT,
  schedule_id: TEXT,
  delivery_id: TEXT,
  total: { ...INTEGER, description: 'How many records match (the whole list, not this page)' },
  limit: INTEGER,
  offset: INTEGER,
  sort: arrayOf(object({ field: TEXT, direction: enumOf(['asc', 'desc']) })),
  created: { ...INTEGER, description: 'Batch create: how many items were created' },
  failed: { ...INTEGER, description: 'Batch create: how many items were not' },
  next_cursor: { type: ['string', 'null'], description: 'Pass as `cursor` (with the same `sort`) for the next page; null on the last one' },
  deleted: { ...INTEGER, description: 'How many records were deleted' },
} satisfies SchemaMap;
export type MetaField = keyof typeof META_FIELDS;

/** The meta of offset-paged lists, and of the lists that also page by cursor. */
export const PAGE_META: MetaField[] = ['org_id', 'limit', 'offset', 'total'];
export const LIST_META: MetaField[] = [...PAGE_META, 'sort', 'next_cursor'];

const metaOf = (fields: MetaField[]) => object(Object.fromEntries(fields.map((f) => [f, META_FIELDS[f]])));

/** Server-sent events of a route, by event name: what each message's `data:` line holds. */
export type EventStream = Record<string, { description: string; data: Schema }>;

export interface DataResponse {
  status?: 200 | 201;
  description: string;
  data: Schema;
  meta: MetaField[];
  /** Also answers text/event-stream (as the client's Accept asks): these events. */
  events?: EventStream;
}

const response = (status: number, description: string, content: Record<string, unknown>) =>
  ApiResponse({ status, description, content } as unknown as ApiResponseOptions);

/** `text/event-stream`: the messages' names and data in `x-sse-events` (OpenAPI 3.1 has no words for a stream's items). */
export const eventStreamContent = (description: string, events: EventStream) => ({
  'text/event-stream': {
    schema: { type: 'string', description },
    'x-sse-events': events,
  },
});

/** A success answer in the spec's envelope: `{data, meta}`. */
export const ApiData = ({ status = 200, description, data, meta, events }: DataResponse) => response(status, description, {
  'application/json': { schema: object({ data, meta: metaOf(meta) }) },
  ...(events ? eventStreamContent('Server-sent events (with Accept: text/event-stream)', events) : {}),
});

/** The answer of a delete or cancel: `{meta, message}` (and `data` where the route says what is in force now). */
export const ApiMessage = (description: string, meta: MetaField[], data?: Schema) => response(200, description, {
  'application/json': { schema: object({ ...(data ? { data } : {}), meta: metaOf(meta), message: TEXT }) },
});

/** An answer that is only its `meta` (e.g. a bulk delete's count). */
export const ApiMeta = (description: string, meta: MetaField[]) => response(200, description, {
  'application/json': { schema: object({ meta: metaOf(meta) }) },
});

/** A stream-only route: 200 text/event-stream. */
export const ApiEventStream = (description: string, events: EventStream) =>
  response(200, description, eventStreamContent(description, events));

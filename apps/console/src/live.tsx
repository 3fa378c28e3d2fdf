/** The org's live events (GET /services/events/stream) for a page, closed when the page goes. */
import { useEffect, useRef, useState } from 'preact/hooks';
import { authHeaders, signOutUnauthorized, type Schemas } from './api/client';
import { openEventStream, StreamState } from './event-stream';

export type JobEvent = Schemas['JobEvent'];

export function useOrgEvents(onEvent: (event: JobEvent) => void, query = 'kind=transition'): StreamState {
  const [state, setState] = useState<StreamState>('connecting');
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    const stream = openEventStream({
      // after=latest: a page shows what it loaded plus what happens next, never the org's whole history.
      url: `${location.origin}/services/events/stream?after=latest&${query}`,
      headers: authHeaders,
      onState: setState,
      onRefused: (status) => { if (status === 401) signOutUnauthorized(); },
      onMessage: (message) => {
        try {
          handler.current(JSON.parse(message.data) as JobEvent);
        } catch {
          // not an event (never sent by the API): ignored
        }
      },
    });
    return () => stream.close();
  }, [query]);
  return state;
}

export function LiveIndicator({ state }: { state: StreamState }) {
  const label = state === 'open' ? 'Live' : state === 'closed' ? 'Not live' : state === 'reconnecting' ? 'Reconnecting' : 'Connecting';
  return <span class={`live live-${state}`} role="status" data-testid="live-state"><span aria-hidden="true">{state === 'open' ? '●' : '○'}</span> {label}</span>;
}

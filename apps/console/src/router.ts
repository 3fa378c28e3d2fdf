/** A small history router for /console/...: the path picks the page, the query holds its view state. */
import { useEffect, useState } from 'preact/hooks';

export const BASE = '/console';

export interface Route {
  /** The path below /console, e.g. "/jobs/01J..." ("/" for the start page). */
  path: string;
  query: URLSearchParams;
}

const current = (): Route => ({
  path: location.pathname.slice(BASE.length) || '/',
  query: new URLSearchParams(location.search),
});

const listeners = new Set<() => void>();
window.addEventListener('popstate', () => listeners.forEach((fn) => fn()));

/** Goes to a console path ("/jobs?status=FAILED"); `replace` keeps the back button's history short. */
export function navigate(to: string, replace = false): void {
  const url = `${BASE}${to}`;
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  listeners.forEach((fn) => fn());
  window.scrollTo(0, 0);
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const update = () => setRoute(current());
    listeners.add(update);
    return () => { listeners.delete(update); };
  }, []);
  return route;
}

/** An in-app link's click: handled by the router unless the user asked for a new tab. */
export function onLinkClick(event: MouseEvent): void {
  const anchor = (event.currentTarget as HTMLAnchorElement);
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(anchor.pathname.slice(BASE.length) + anchor.search);
}

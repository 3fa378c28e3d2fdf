import type { DestinationStream } from 'pino';

export const REDACTED = '[REDACTED]';

/**
 * Shapes of the secrets this service handles, wherever they may end up in a line (a message,
 * an error's stack, a URL): API and callback tokens (JWTs), signing secrets (whsec_), Slack
 * tokens (xox?-), OpenAI-style keys (sk-), credentials after "Bearer"/"Basic", passwords in
 * URLs, and secret-looking query parameters. Matches stay inside a JSON string (no quote,
 * backslash or space), so a masked JSON line is still JSON.
 */
const SHAPES: Array<[RegExp, string]> = [
  [/(?<![A-Za-z0-9_-])(?:eyJ[A-Za-z0-9_-]{6,}(?:\.[A-Za-z0-9_-]*){0,2}|whsec_[A-Za-z0-9+/=_-]{6,}|xox[a-z]-[A-Za-z0-9-]{6,}|sk-[A-Za-z0-9_-]{6,})/g, REDACTED],
  [/\b(Bearer|Basic) +[A-Za-z0-9._~+/=-]{8,}/g, `$1 ${REDACTED}`],
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:@/"\\]+:)[^\s@/"\\]+@/gi, `$1${REDACTED}@`],
  [/([?&](?:token|access_token|api_key|apikey|key|secret|signature|sig|password)=)[^&\s"\\#]+/gi, `$1${REDACTED}`],
];

/** Whether a line may hold one of SHAPES at all: most lines hold none, and this one test is cheap. */
const MAYBE_SECRET = /eyJ|whsec_|xox[a-z]-|sk-|Bearer |Basic |:\/\/[^\s/"@]+@|[?&](?:token|access_token|api_key|apikey|key|secret|signature|sig|password)=/i;

export function maskSecrets(text: string): string {
  if (!MAYBE_SECRET.test(text)) return text;
  let out = text;
  for (const [shape, replacement] of SHAPES) out = out.replace(shape, replacement);
  return out;
}

/**
 * The last line of defence, after pino's `redact` paths: every line is masked on its way
 * to the destination, whatever field or message a secret slipped into.
 */
export function maskingStream(destination: DestinationStream & { flush?: (cb?: (err?: Error) => void) => void; flushSync?: () => void }) {
  return {
    write: (line: string) => destination.write(maskSecrets(line)),
    flush: (cb?: (err?: Error) => void) => (destination.flush ? destination.flush(cb) : cb?.()),
    flushSync: () => destination.flushSync?.(),
  };
}

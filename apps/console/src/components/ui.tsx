/** Small building blocks every page uses. Everything renders as text nodes: no innerHTML anywhere. */
import type { ComponentChildren } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from '../api/client';
import { absoluteTime, relativeTime } from '../format';
import { BASE, onLinkClick } from '../router';

// An icon per status as well as a colour, so that the status reads without colour too.
const STATUS_ICON: Record<string, string> = {
  WAITING: '◷', SCHEDULED: '◔', RUNNING: '▶', COMPLETED: '✓', FAILED: '✗', CANCELED: '⊘',
  complete: '✓', error: '✗', canceled: '⊘', max_iterations_reached: '◑', busy: '▶', idle: '◷',
  DELIVERED: '✓', PENDING: '◷', succeeded: '✓', failed: '✗', running: '▶', queued: '◷',
};

export function StatusBadge({ status }: { status: string }) {
  return (
    <span class={`status status-${status.toLowerCase()}`} data-status={status}>
      <span aria-hidden="true">{STATUS_ICON[status] ?? '•'}</span> {status}
    </span>
  );
}

export function Time({ at }: { at?: string | null }) {
  if (!at) return <span class="muted">—</span>;
  const date = new Date(at);
  return <time dateTime={at} title={absoluteTime(date)}>{relativeTime(date)} <span class="abs">({absoluteTime(date)})</span></time>;
}

export function Link({ to, children, class: cls }: { to: string; children: ComponentChildren; class?: string }) {
  return <a href={`${BASE}${to}`} onClick={onLinkClick} class={cls}>{children}</a>;
}

/** JSON as text (an HTML-looking string inside it stays text), folded when it is long. */
export function JsonView({ value, label }: { value: unknown; label?: string }) {
  if (value === undefined || value === null) return <span class="muted">none</span>;
  const text = JSON.stringify(value, null, 2);
  const pre = <pre class="json" tabIndex={0} aria-label={label}>{text}</pre>;
  if (text.split('\n').length <= 20) return pre;
  return <details open><summary>{label ?? 'JSON'} ({text.split('\n').length} lines)</summary>{pre}</details>;
}

export const Spinner = ({ label = 'Loading' }: { label?: string }) => (
  <div class="spinner" role="status" aria-live="polite"><span class="spin" aria-hidden="true" /> {label}…</div>
);

export const Empty = ({ children }: { children: ComponentChildren }) => <p class="empty">{children}</p>;

/** An error as the API explained it (problem+json detail and code). */
export function ProblemBox({ error }: { error: unknown }) {
  if (!error) return null;
  const problem = error instanceof ApiError ? error.problem : { status: 0, detail: String((error as Error)?.message ?? error) };
  return (
    <div class="problem" role="alert">
      <strong>{problem.status ? `${problem.status} ${problem.title ?? 'Error'}` : 'Error'}</strong>
      {problem.code ? <code> {problem.code}</code> : null}
      <div>{problem.detail}</div>
      {problem.errors?.length ? <ul>{problem.errors.map((e) => <li key={e.field}><code>{e.field}</code>: {e.message}</li>)}</ul> : null}
    </div>
  );
}

/** A modal dialog (native <dialog>: focus trapped, Escape closes). */
export function Dialog({ title, onClose, children }: { title: string; onClose: () => void; children: ComponentChildren }) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);
  return (
    <dialog ref={ref} onClose={onClose} aria-label={title}>
      <h2>{title}</h2>
      {children}
    </dialog>
  );
}

export function Section({ title, children, actions }: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return (
    <section class="card">
      <header class="card-head"><h2>{title}</h2>{actions}</header>
      {children}
    </section>
  );
}

export function Field({ label, children }: { label: string; children: ComponentChildren }) {
  return <><dt>{label}</dt><dd>{children}</dd></>;
}

/** Previous/next for the lists paged by offset (schedules, channels). */
export function OffsetPager({ offset, limit, total, onPage }: { offset: number; limit: number; total: number; onPage: (offset: number) => void }) {
  if (total <= limit) return <p class="muted">{total} in all</p>;
  return (
    <nav class="pager" aria-label="Pages">
      <span>{offset + 1}–{Math.min(offset + limit, total)} of {total}</span>
      <button type="button" class="secondary" disabled={offset === 0} onClick={() => onPage(Math.max(0, offset - limit))}>Previous</button>
      <button type="button" disabled={offset + limit >= total} onClick={() => onPage(offset + limit)}>Next</button>
    </nav>
  );
}

/** The label every watch-only address carries. */
export function WatchBadge() {
  return (
    <span class="badge badge-watch" data-testid="watch-badge" title="No key: Tandem reads this address but never signs for it.">
      WATCH ONLY
    </span>
  );
}

/** The label every development vault carries. */
export function DevBadge() {
  return (
    <span class="badge badge-dev" title="No key shares: this account cannot sign anything.">
      DEVELOPMENT
    </span>
  );
}

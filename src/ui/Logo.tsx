/** Tandem's mark: two interlocking rings (two devices, one key). */
export function Logo({ size = 32 }: { size?: number }) {
  return (
    <svg class="logo" width={size} height={size} viewBox="0 0 128 128" aria-label="Tandem" role="img">
      <rect width="128" height="128" rx="28" fill="#1f2950" />
      <circle cx="49" cy="64" r="27" fill="none" stroke="#5eead4" stroke-width="10" />
      <circle cx="79" cy="64" r="27" fill="none" stroke="#a78bfa" stroke-width="10" />
    </svg>
  );
}

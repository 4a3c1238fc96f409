/** An error message for the user (announced to screen readers). */
export function ErrorText({ error }: { error: string | null }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error}
    </p>
  );
}

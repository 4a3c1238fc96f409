/** Whether the browser keeps this page's data, in plain words, and that a backup is needed either way. */
import type { Persistence } from '../phone-state';

export function StorageNotice({ persistence }: { persistence: Persistence }) {
  if (persistence === 'granted') {
    return (
      <div class="notice" data-testid="storage-notice" data-persistence="granted">
        This browser will keep your share. It is still lost if you clear this site's data, reset or lose the phone:{' '}
        <strong>keep a backup</strong>.
      </div>
    );
  }
  return (
    <div class="notice notice-warn" data-testid="storage-notice" data-persistence={persistence}>
      <strong>This browser may delete your share</strong> when the phone runs low on space or after a while without use (Safari: 7 days).
      {persistence === 'unsupported' ? '' : ' Adding this page to the home screen makes that less likely.'} Export a backup now (Backup tab)
      and keep it away from your other devices.
    </div>
  );
}

/** The page's title bar: the mark, the name, and Lock while unlocked. */
import { Logo } from '../../../ui/Logo';

export function Header({ unlocked, onLock }: { unlocked: boolean; onLock: () => void }) {
  return (
    <header class="header phone-header">
      <Logo size={28} />
      <strong class="grow">Tandem co-signer</strong>
      {unlocked && (
        <button class="button small" onClick={onLock}>
          Lock
        </button>
      )}
    </header>
  );
}

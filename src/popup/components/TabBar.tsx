/** Bottom navigation between the home, connected sites and settings screens. */
export type Tab = 'home' | 'sites' | 'settings';

const TABS: { id: Tab; label: string }[] = [
  { id: 'home', label: 'Home' },
  { id: 'sites', label: 'Sites' },
  { id: 'settings', label: 'Settings' },
];

export function TabBar({ tab, onTab, sites }: { tab: Tab; onTab: (t: Tab) => void; sites: number }) {
  return (
    <nav class="tabbar" aria-label="Sections">
      {TABS.map((t) => (
        <button
          key={t.id}
          class={`tab ${tab === t.id ? 'tab-active' : ''}`}
          aria-current={tab === t.id ? 'page' : undefined}
          onClick={() => onTab(t.id)}
        >
          {t.label}
          {t.id === 'sites' && sites > 0 && <span class="count">{sites}</span>}
        </button>
      ))}
    </nav>
  );
}

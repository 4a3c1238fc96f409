/** The network list and the selected network (persistent area, see idb-area.ts). */
import type { KeyValueArea } from './storage';
import { DEFAULT_NETWORKS, normalizeChainId, type Network } from '../shared/networks';
import { WalletError } from '../shared/wallet-errors';

const LIST_KEY = 'networks.v1';
const SELECTED_KEY = 'networks.selected.v1';

/** Stores networks; the default list is used until something changes. */
export class NetworkStore {
  constructor(
    private readonly area: KeyValueArea,
    private readonly defaults: readonly Network[] = DEFAULT_NETWORKS,
  ) {}

  /** All networks, defaults first. */
  async list(): Promise<Network[]> {
    return (await this.area.get<Network[]>(LIST_KEY)) ?? this.defaults.map((n) => ({ ...n }));
  }

  /** The network with this chain id, if known. */
  async find(chainId: string): Promise<Network | undefined> {
    const id = normalizeChainId(chainId);
    return (await this.list()).find((n) => n.chainId === id);
  }

  /** The selected network (the first one if none was selected). */
  async selected(): Promise<Network> {
    const list = await this.list();
    const id = await this.area.get<string>(SELECTED_KEY);
    return list.find((n) => n.chainId === id) ?? list[0]!;
  }

  /** Selects a known network; returns true if the selection changed. */
  async select(chainId: string): Promise<boolean> {
    const net = await this.find(chainId);
    if (!net) throw new WalletError('network.unknown', { chainId });
    const before = (await this.selected()).chainId;
    await this.area.set(SELECTED_KEY, net.chainId);
    return before !== net.chainId;
  }

  /** Adds a network, or replaces the one with the same chain id. */
  async add(network: Network): Promise<void> {
    const list = (await this.list()).filter((n) => n.chainId !== network.chainId);
    list.push({ ...network });
    await this.area.set(LIST_KEY, list);
  }

  /** Changes a network's RPC URL. */
  async setRpcUrl(chainId: string, rpcUrl: string): Promise<void> {
    const url = parseRpcUrl(rpcUrl);
    if (!url) throw new WalletError('network.badRpcUrl');
    const list = await this.list();
    const net = list.find((n) => n.chainId === normalizeChainId(chainId));
    if (!net) throw new WalletError('network.unknown', { chainId });
    net.rpcUrl = url;
    await this.area.set(LIST_KEY, list);
  }
}

/** Returns the URL if it is http(s) without credentials, else null. */
export function parseRpcUrl(x: unknown): string | null {
  if (typeof x !== 'string' || x.length > 2048) return null;
  try {
    const u = new URL(x);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    if (u.username || u.password) return null;
    return u.toString().replace(/\/$/, u.pathname === '/' ? '' : '/');
  } catch {
    return null;
  }
}

/**
 * A bounded LRU pool of customer sessions, so switching back to a recently used customer reuses its live connections.
 * The current customer and sessions with an operation in progress are never evicted; evicted sessions are closed.
 */
import type { CustomerConfig } from '../config.ts';
import type { CustomerSession } from './customer-session.ts';
import { silentLogger } from '../logger.ts';
import type { Logger } from '../logger.ts';

/** Default number of customers kept connected. */
export const DEFAULT_POOL_SIZE = 8;

/** LRU pool of {@link CustomerSession}s keyed by customer id. */
export class ConnectionPool {
  /** Insertion order is recency: the first entry is the least recently used. */
  private readonly sessions = new Map<string, CustomerSession>();
  private readonly closing = new Set<Promise<void>>();
  private pinned: string | null = null;

  constructor(
    readonly capacity: number,
    private readonly create: (customer: CustomerConfig) => CustomerSession,
    private readonly logger: Logger = silentLogger,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError('pool capacity must be an integer ≥ 1');
  }

  /** Number of pooled sessions. */
  get size(): number {
    return this.sessions.size;
  }

  /** Pooled customer ids, most recently used first. */
  ids(): string[] {
    return [...this.sessions.keys()].reverse();
  }

  /** The session for `id` without touching its recency. */
  peek(id: string): CustomerSession | undefined {
    return this.sessions.get(id);
  }

  /**
   * The customer's session, created if absent, marked most recently used. `pooled` says whether it already existed.
   * Creating one may evict (and close) the least recently used evictable session beyond capacity.
   */
  acquire(customer: CustomerConfig): { session: CustomerSession; pooled: boolean } {
    const existing = this.sessions.get(customer.id);
    if (existing) {
      this.sessions.delete(customer.id);
      this.sessions.set(customer.id, existing);
      return { session: existing, pooled: true };
    }
    const session = this.create(customer);
    this.sessions.set(customer.id, session);
    this.evict(customer.id);
    return { session, pooled: false };
  }

  /** Marks `id` as the current customer: never evicted while pinned. */
  pin(id: string | null): void {
    this.pinned = id;
    this.evict();
  }

  /** Evicts down to capacity; call after an operation that held a session has finished. */
  trim(): void {
    this.evict();
  }

  /** Closes every session (and waits for evicted ones still closing). */
  async closeAll(): Promise<void> {
    const sessions = [...this.sessions.values()];
    this.sessions.clear();
    await Promise.all([...sessions.map((s) => s.close()), ...this.closing]);
  }

  /** Evicts least recently used sessions beyond capacity, sparing the pinned one, held ones and `keep`. */
  private evict(keep?: string): void {
    for (const [id, session] of this.sessions) {
      if (this.sessions.size <= this.capacity) return;
      if (id === this.pinned || id === keep || session.holds > 0) continue;
      this.sessions.delete(id);
      this.logger.info('customer evicted from pool', { customer: id });
      const closing = session.close().catch(() => {});
      this.closing.add(closing);
      void closing.finally(() => this.closing.delete(closing));
    }
  }
}

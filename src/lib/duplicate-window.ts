/**
 * Remembers event keys for a fixed time so that Genea's retries of one event
 * are recognised. Memory is bounded by `maxEntries`; the oldest key goes first.
 */
export class DuplicateWindow {
  // Insertion order equals expiry order (one fixed window), so the oldest entries sit at the front.
  private readonly expiries = new Map<string, number>();

  constructor(
    readonly windowMs: number,
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.expiries.size;
  }

  /** True when `key` was recorded within the window; otherwise records it and returns false. */
  seenBefore(key: string): boolean {
    if (this.windowMs <= 0) return false;
    const now = this.now();
    this.prune(now);
    if (this.expiries.has(key)) return true;
    if (this.expiries.size >= this.maxEntries) {
      this.expiries.delete(this.expiries.keys().next().value as string);
    }
    this.expiries.set(key, now + this.windowMs);
    return false;
  }

  /** Forgets `key`, so that a later delivery of it is emitted again. */
  forget(key: string): void {
    this.expiries.delete(key);
  }

  private prune(now: number): void {
    for (const [key, expiry] of this.expiries) {
      if (expiry > now) return;
      this.expiries.delete(key);
    }
  }
}

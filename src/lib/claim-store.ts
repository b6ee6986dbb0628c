/**
 * Shared state behind the duplicate window and the first-of-day filters: one atomic claim per key that
 * expires on its own. The receiver and the filters only claim and release; whether the claims live in this
 * process or in Redis (shared by replicas) is the store's business.
 */
import { randomBytes } from 'node:crypto';

export interface ClaimStore {
  /**
   * Claims `key` for `ttlMs`: resolves to a token when this caller holds the claim now, or to null when a
   * live claim of anyone else's holds it. Rejects when the store cannot answer (e.g. Redis is unreachable):
   * the caller must then neither emit nor pass anything.
   */
  claim(key: string, ttlMs: number): Promise<string | null>;
  /** Deletes the claim on `key` only while it is still the one `token` names: never somebody else's. */
  release(key: string, token: string): Promise<void>;
}

// Random per process, so that no two replicas' tokens meet; the counter tells this process's claims apart.
// (Drawing random bytes for every claim cost a delivery more CPU than its signature check.)
const processTokenPrefix = randomBytes(12).toString('base64url');
let claimsNumbered = 0;

/** The token of this process's claim number `claimNumber`. */
function tokenOf(claimNumber: number): string {
  return `${processTokenPrefix}.${claimNumber.toString(36)}`;
}

/** A claim's token: unique among every process's claims, so that no caller releases another's by accident. */
export function newClaimToken(): string {
  return tokenOf(++claimsNumbered);
}

/**
 * Claims in this process. A claim lives while `claimedAt + ttlMs > now` for the `ttlMs` of the call that
 * asks, so a window that grows or shrinks applies at once to what is already remembered. Memory is bounded
 * by `maxEntries`; the oldest claim goes first.
 */
export class MemoryClaimStore implements ClaimStore {
  /** Each live claim's key → its number (its token is made from it when a release asks). */
  private readonly claims = new Map<string, number>();
  // Every claim in the order made, from `head` on, as three columns: expiry and the bound take the oldest
  // from the front. A Map read from its front after many deletions skips their holes one by one (a full window
  // cost a claim over 100 µs); this queue never is. Columns, not an object per claim: a full window holds
  // 100,000 claims, and numbers in an array take no object of their own for the garbage collector to trace.
  // An entry whose claim was released (or made again) since is skipped when it comes up.
  private keys: string[] = [];
  private numbers: number[] = [];
  private claimedAt: number[] = [];
  private head = 0;

  constructor(
    private readonly maxEntries = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  get size(): number {
    return this.claims.size;
  }

  /** The synchronous claim behind `claim`, for callers in this process that need no promise. */
  claimNow(key: string, ttlMs: number): string | null {
    if (ttlMs <= 0) return newClaimToken();
    const now = this.now();
    this.dropOldest((claimedAt) => claimedAt + ttlMs <= now);
    if (this.claims.has(key)) return null;
    if (this.claims.size >= this.maxEntries) this.dropOldest(() => this.claims.size >= this.maxEntries);
    const claimNumber = ++claimsNumbered;
    this.claims.set(key, claimNumber);
    this.keys.push(key);
    this.numbers.push(claimNumber);
    this.claimedAt.push(now);
    this.compactOrder();
    return tokenOf(claimNumber);
  }

  claim(key: string, ttlMs: number): Promise<string | null> {
    return Promise.resolve(this.claimNow(key, ttlMs));
  }

  releaseNow(key: string, token: string): void {
    const claimNumber = this.claims.get(key);
    if (claimNumber !== undefined && tokenOf(claimNumber) === token) this.claims.delete(key);
  }

  release(key: string, token: string): Promise<void> {
    this.releaseNow(key, token);
    return Promise.resolve();
  }

  /** Whether the queue's entry `index` is a claim still held. */
  private live(index: number): boolean {
    return this.claims.get(this.keys[index]) === this.numbers[index];
  }

  /** Drops the oldest live claims while `drop` says so of the oldest's time; skips entries of released claims. */
  private dropOldest(drop: (claimedAt: number) => boolean): void {
    while (this.head < this.keys.length) {
      if (this.live(this.head)) {
        if (!drop(this.claimedAt[this.head])) break;
        this.claims.delete(this.keys[this.head]);
      }
      this.head++;
    }
  }

  /**
   * Lets go of the entries before `head` once they are half of the queue, and of released claims' entries once
   * the queue is twice the bound (many releases within one window must not pile them up).
   */
  private compactOrder(): void {
    const waiting = this.keys.length - this.head;
    if ((this.head > 1024 && this.head > waiting) || waiting > 2 * this.maxEntries) {
      const kept: number[] = [];
      for (let index = this.head; index < this.keys.length; index++) if (this.live(index)) kept.push(index);
      this.keys = kept.map((index) => this.keys[index]);
      this.numbers = kept.map((index) => this.numbers[index]);
      this.claimedAt = kept.map((index) => this.claimedAt[index]);
      this.head = 0;
    }
  }
}

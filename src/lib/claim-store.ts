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
let tokensIssued = 0;

/** A claim's token: unique among every process's claims, so that no caller releases another's by accident. */
export function newClaimToken(): string {
  tokensIssued++;
  return `${processTokenPrefix}.${tokensIssued.toString(36)}`;
}

interface MemoryClaim {
  readonly token: string;
  readonly claimedAt: number;
}

/**
 * Claims in this process. A claim lives while `claimedAt + ttlMs > now` for the `ttlMs` of the call that
 * asks, so a window that grows or shrinks applies at once to what is already remembered. Memory is bounded
 * by `maxEntries`; the oldest claim goes first.
 */
export class MemoryClaimStore implements ClaimStore {
  // Insertion order equals claim order, so the oldest claims sit at the front.
  private readonly claims = new Map<string, MemoryClaim>();

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
    this.prune(now, ttlMs);
    if (this.claims.has(key)) return null;
    if (this.claims.size >= this.maxEntries) this.claims.delete(this.claims.keys().next().value as string);
    const token = newClaimToken();
    this.claims.set(key, { token, claimedAt: now });
    return token;
  }

  claim(key: string, ttlMs: number): Promise<string | null> {
    return Promise.resolve(this.claimNow(key, ttlMs));
  }

  releaseNow(key: string, token: string): void {
    if (this.claims.get(key)?.token === token) this.claims.delete(key);
  }

  release(key: string, token: string): Promise<void> {
    this.releaseNow(key, token);
    return Promise.resolve();
  }

  private prune(now: number, ttlMs: number): void {
    for (const [key, claim] of this.claims) {
      if (claim.claimedAt + ttlMs > now) return;
      this.claims.delete(key);
    }
  }
}

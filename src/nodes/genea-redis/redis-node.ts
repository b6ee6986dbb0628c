/* c8 ignore start: a type-only module with no runtime code, which c8 --all would count as uncovered lines. */
import type { Node } from 'node-red';
import type { ClaimStore } from '../../lib/claim-store';
import type { ConnectionState } from '../../lib/redis-claim-store';

export interface GeneaRedisCredentials {
  username?: string;
  password?: string;
}

/** The genea-redis config node: one Redis client shared by every receiver and filter that uses it. */
export interface GeneaRedisNode extends Node<GeneaRedisCredentials> {
  /** The URL as configured (it may hold a password: show it only through redactRedisUrl). */
  url: string;
  /** The claim store for keys below `prefix + scope`; rejects every claim while the URL is unusable. */
  claimStore(scope: string): ClaimStore;
  /** The connection's state now, and each change of it to `listener`; returns the function that stops it. */
  watchState(listener: (state: ConnectionState) => void): () => void;
}

/* c8 ignore start: a type-only module with no runtime code, which c8 --all would count as uncovered lines. */
import type { Node } from 'node-red';

export interface GeneaConfigCredentials {
  secret?: string;
  previousSecret?: string;
}

/** The config node: holds the webhook secret (and the previous one during a key rotation). */
export interface GeneaConfigNode extends Node<GeneaConfigCredentials> {
  /** The secrets to verify against, current first; empty when none is set. */
  secrets(): string[];
}

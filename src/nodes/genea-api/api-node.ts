/* c8 ignore start: a type-only module with no runtime code, which c8 --all would count as uncovered lines. */
import type { Node } from 'node-red';
import type { BaseUrlProblem, GeneaApiClient, GeneaDoorRecord, GeneaLocationRecord } from '../../lib/genea-api';

export interface GeneaApiCredentials {
  apiKey?: string;
}

/** The genea-api config node: one API client for every genea-door node that uses it. */
export interface GeneaApiNode extends Node<GeneaApiCredentials> {
  /** The base URL as checked (no trailing slash); as configured when it is not usable. */
  baseUrl: string;
  /** The client, or null while no key is set or the base URL is not usable (`problem` says why). */
  client: GeneaApiClient | null;
  problem: BaseUrlProblem | 'no-key' | null;
  /**
   * Every door and location of the key's customer, for pickers and other nodes: one listing in flight per config
   * node, shared by every caller, its result kept for 30 s (not used when `fresh`), a failure not kept. Locations
   * are empty when the key may not read them. Rejects with a GeneaApiError, or an Error saying why there is no
   * client.
   */
  listing(fresh?: boolean): Promise<{ doors: GeneaDoorRecord[]; locations: GeneaLocationRecord[] }>;
}

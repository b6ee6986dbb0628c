/**
 * Claims in Redis, shared by every Node-RED replica that uses the same server and prefix: `SET key token NX PX
 * ttl` claims atomically, and a Lua script deletes a claim only while it still holds the caller's token. One
 * RedisConnection (one ioredis client) serves every store of a config node. A command that cannot be answered
 * within the command timeout, or while the connection is down, rejects at once: nothing queues offline, and
 * the caller must neither emit nor pass anything then.
 */
import type { Redis, RedisOptions } from 'ioredis';
import { type ClaimStore, newClaimToken } from './claim-store';
import { redactRedisUrl, type RedisEndpoint } from './redis-url';

/** A delivery waits at most this long for Redis before it is answered 503 (Genea retries). */
export const COMMAND_TIMEOUT_MS = 1500;
const CONNECT_TIMEOUT_MS = 2000;
/** Reconnects back off from 100 ms to this, so a restarted Redis is found again within seconds. */
const MAX_RECONNECT_DELAY_MS = 2000;

/** Claims whose answer was lost, kept for release at most: beyond this the oldest are left to expire. */
const MAX_ORPHANED_CLAIMS = 10_000;

/** Deletes KEYS[1] only while its value is ARGV[1]: another replica's claim is never deleted. */
const RELEASE_SCRIPT = "if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0";

/** Redis could not answer: unreachable, refusing the credentials, or too slow. The message says which. */
export class SharedStateUnavailableError extends Error {
  constructor(readonly reason: string) {
    super(`Redis unavailable: ${reason}`);
    this.name = 'SharedStateUnavailableError';
  }
}

/** A store that cannot answer at all (e.g. its config node is missing or its URL unusable): every call rejects. */
export function unavailableStore(reason: string): ClaimStore {
  const refuse = () => Promise.reject(new SharedStateUnavailableError(reason));
  return { claim: refuse, release: refuse };
}

export interface RedisConnectionOptions {
  endpoint: RedisEndpoint;
  /** The node's credentials, over any user and password in the URL. */
  username?: string;
  password?: string;
  commandTimeoutMs?: number;
}

export type ConnectionState = { ready: true } | { ready: false; reason: string };

/** Error texts of Redis and of the socket, with any URL password replaced (a server may echo what it was sent). */
export function reasonOf(err: unknown, password?: string): string {
  let text = redactRedisUrl(err instanceof Error ? err.message : String(err));
  if (password) text = text.split(password).join('***');
  return text;
}

/** How ioredis connects: fail fast while down, reconnect with backoff, never retry a command. */
export function clientOptions(options: RedisConnectionOptions): RedisOptions {
  const { endpoint } = options;
  return {
    host: endpoint.host,
    port: endpoint.port,
    db: endpoint.db,
    username: options.username || endpoint.username,
    password: options.password || endpoint.password,
    ...(endpoint.tls && { tls: { servername: endpoint.host } }),
    connectTimeout: CONNECT_TIMEOUT_MS,
    commandTimeout: options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS,
    // No offline queue: while the connection is down a command fails at once instead of piling up.
    enableOfflineQueue: false,
    // Claims made in one turn of the event loop go out in one write: under load the write per command cost
    // more CPU than the rest of a claim (BENCHMARKS.md). Each command keeps its own answer and timeout.
    enableAutoPipelining: true,
    maxRetriesPerRequest: 0,
    retryStrategy: (attempt: number) => Math.min(100 * 2 ** (attempt - 1), MAX_RECONNECT_DELAY_MS),
  };
}

/** The state until the first connection is ready or has failed: not yet a reason to say Redis is down. */
export const CONNECTING: ConnectionState = { ready: false, reason: 'still connecting' };

/** ioredis, loaded only when a shared-state config node is deployed (the one runtime dependency). */
function ioredis(): typeof import('ioredis').default {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require('ioredis') as typeof import('ioredis')).default;
}

/** One client to one Redis, reconnecting with backoff; tells listeners when it goes down or comes back. */
export class RedisConnection {
  readonly client: Redis;
  private state: ConnectionState = CONNECTING;
  private readonly listeners = new Set<(state: ConnectionState) => void>();
  private releaseSha: string | null = null;
  /** Claims that may have been made though their answer was lost: key → its token and when it expires anyway. */
  private readonly orphans = new Map<string, { token: string; expiresAt: number }>();
  private releasingOrphans = false;

  constructor(private readonly options: RedisConnectionOptions) {
    const Client = ioredis();
    this.client = new Client(clientOptions(options));
    this.client.on('ready', () => {
      this.setState({ ready: true });
      void this.releaseOrphans();
    });
    this.client.on('error', (err: unknown) => {
      // A late error of a connection already replaced by a ready one says nothing about now.
      if (this.client.status !== 'ready') this.setState({ ready: false, reason: this.reason(err) });
    });
    this.client.on('close', () => {
      if (this.state.ready) this.setState({ ready: false, reason: 'connection closed' });
    });
  }

  get current(): ConnectionState {
    return this.state;
  }

  /** Calls `listener` on each change of state; returns the function that stops it. */
  onChange(listener: (state: ConnectionState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** A claim store whose keys all start with `keyPrefix`. */
  store(keyPrefix: string): RedisClaimStore {
    return new RedisClaimStore(this, keyPrefix);
  }

  /** Runs `command`, turning every failure into a SharedStateUnavailableError that says why. */
  async run<T>(command: (client: Redis) => Promise<T>): Promise<T> {
    if (this.state === CONNECTING) await this.firstConnection();
    // The client's own status decides: its events may come in an order that leaves `state` behind.
    if (this.client.status !== 'ready') {
      throw new SharedStateUnavailableError(this.state.ready ? 'not connected' : this.state.reason);
    }
    try {
      const answer = await command(this.client);
      if (!this.state.ready) this.setState({ ready: true });
      if (this.orphans.size > 0) void this.releaseOrphans();
      return answer;
    } catch (err) {
      throw new SharedStateUnavailableError(this.reason(err));
    }
  }

  /** Runs the release script by its SHA1, loading it once (and again after a restarted Redis forgot it). */
  async releaseScript(key: string, token: string): Promise<void> {
    await this.run(async (client) => {
      if (this.releaseSha !== null) {
        try {
          await client.evalsha(this.releaseSha, 1, key, token);
          return;
        } catch (err) {
          if (!/NOSCRIPT/.test(String(err))) throw err;
        }
      }
      this.releaseSha = (await client.script('LOAD', RELEASE_SCRIPT)) as string;
      await client.evalsha(this.releaseSha, 1, key, token);
    });
  }

  /**
   * Releases the claim `key` (its `token`, for `ttlMs`) whose SET failed: Redis may have carried it out and only
   * the answer was lost (a timeout, a dropped connection). Left alone, it would make Genea's retry of an event
   * nobody emitted look like a copy. Tried now, and again whenever Redis answers, until the claim has expired.
   */
  releaseOrphan(key: string, token: string, ttlMs: number): void {
    this.orphans.delete(key);
    this.orphans.set(key, { token, expiresAt: Date.now() + ttlMs });
    if (this.orphans.size > MAX_ORPHANED_CLAIMS) this.orphans.delete(this.orphans.keys().next().value as string);
    void this.releaseOrphans();
  }

  private async releaseOrphans(): Promise<void> {
    if (this.releasingOrphans || this.client.status !== 'ready') return;
    this.releasingOrphans = true;
    try {
      for (const [key, orphan] of this.orphans) {
        if (orphan.expiresAt > Date.now()) {
          try {
            await this.releaseScript(key, orphan.token);
          } catch {
            return; // Redis does not answer yet: the next answer or reconnection tries again.
          }
        }
        if (this.orphans.get(key) === orphan) this.orphans.delete(key);
      }
    } finally {
      this.releasingOrphans = false;
    }
  }

  /**
   * Waits, at most one command timeout, for the first connection of a node just deployed, so that its first
   * deliveries are not refused while it connects. Once a connection has failed, commands reject at once.
   */
  private firstConnection(): Promise<void> {
    return new Promise((resolve) => {
      const stop = this.onChange(() => finish());
      const timer = setTimeout(() => finish(), this.options.commandTimeoutMs ?? COMMAND_TIMEOUT_MS);
      const finish = (): void => {
        stop();
        clearTimeout(timer);
        resolve();
      };
    });
  }

  close(): void {
    this.listeners.clear();
    this.orphans.clear();
    this.client.disconnect();
  }

  private reason(err: unknown): string {
    return reasonOf(err, this.options.password || this.options.endpoint.password);
  }

  private setState(state: ConnectionState): void {
    const before = this.state;
    this.state = state;
    const changed = before.ready !== state.ready || (!before.ready && !state.ready && before.reason !== state.reason);
    if (changed) for (const listener of this.listeners) listener(state);
  }
}

/** Claims in Redis under `keyPrefix` (the config node's prefix and whatever the caller adds). */
export class RedisClaimStore implements ClaimStore {
  constructor(
    private readonly connection: RedisConnection,
    private readonly keyPrefix: string,
  ) {}

  async claim(key: string, ttlMs: number): Promise<string | null> {
    const token = newClaimToken();
    // PX needs a positive whole number of milliseconds; a window of 0 claims nothing, as in memory.
    if (ttlMs <= 0) return token;
    const px = Math.max(1, Math.ceil(ttlMs));
    try {
      const answer = await this.connection.run((client) => client.set(this.keyPrefix + key, token, 'PX', px, 'NX'));
      return answer === 'OK' ? token : null;
    } catch (err) {
      this.connection.releaseOrphan(this.keyPrefix + key, token, px);
      throw err;
    }
  }

  release(key: string, token: string): Promise<void> {
    return this.connection.releaseScript(this.keyPrefix + key, token);
  }
}

export type TestOutcome = { ok: true; version: string } | { ok: false; kind: 'auth' | 'unreachable'; reason: string };

/**
 * Connects once, authenticates and asks for the server's version, then disconnects: what the dialog's "Test
 * connection" reports. Never retries; gives up after the connect timeout.
 */
export async function testRedisConnection(options: RedisConnectionOptions): Promise<TestOutcome> {
  const Client = ioredis();
  const client = new Client({ ...clientOptions(options), lazyConnect: true, retryStrategy: () => null });
  // The connection's own error says why; the rejected command then says only "Connection is closed."
  let connectionError: unknown = null;
  client.on('error', (err: unknown) => (connectionError ??= err));
  const password = options.password || options.endpoint.password;
  try {
    await client.connect();
    const info = await client.info('server');
    return { ok: true, version: /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? '' };
  } catch (err) {
    const reason = reasonOf(connectionError ?? err, password);
    return { ok: false, kind: /WRONGPASS|NOAUTH|AUTH|NOPERM/i.test(reason) ? 'auth' : 'unreachable', reason };
  } finally {
    client.disconnect();
  }
}

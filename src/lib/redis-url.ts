/**
 * The Redis URL of the shared-state config node: `redis://host:port/db` or `rediss://` (TLS), checked the same
 * way in the editor and at runtime, and shown only with any password in it replaced. Imports nothing, so that
 * the editor runs this very code.
 */

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** Where to connect, as checkRedisUrl read it from a URL. */
export interface RedisEndpoint {
  host: string;
  port: number;
  db: number;
  tls: boolean;
  /** From the URL's user part; the node's credentials take precedence. */
  username?: string;
  password?: string;
}

/** Why a URL cannot be used: not a redis:// or rediss:// URL with a host, or a path that is not a database number. */
export type RedisUrlProblem = 'invalid' | 'database';

export function checkRedisUrl(raw: unknown): { endpoint: RedisEndpoint } | { problem: RedisUrlProblem } {
  let url: URL;
  try {
    url = new URL(typeof raw === 'string' ? raw.trim() : '');
  } catch {
    return { problem: 'invalid' };
  }
  if ((url.protocol !== 'redis:' && url.protocol !== 'rediss:') || url.hostname === '' || url.search || url.hash) {
    return { problem: 'invalid' };
  }
  const path = url.pathname.replace(/^\//, '');
  if (path !== '' && !/^\d{1,5}$/.test(path)) return { problem: 'database' };
  const endpoint: RedisEndpoint = {
    // A URL keeps brackets around an IPv6 address; a socket wants it bare.
    host: url.hostname.replace(/^\[(.*)\]$/, '$1'),
    port: url.port === '' ? 6379 : Number(url.port),
    db: path === '' ? 0 : Number(path),
    tls: url.protocol === 'rediss:',
  };
  if (url.username !== '') endpoint.username = decodeURIComponent(url.username);
  if (url.password !== '') endpoint.password = decodeURIComponent(url.password);
  return { endpoint };
}

/** `text` with the password of every redis:// or rediss:// URL in it replaced by `***`. */
export function redactRedisUrl(text: string): string {
  return text.replace(/(rediss?:\/\/[^\s:@/]*:)[^\s@/]*@/gi, '$1***@');
}

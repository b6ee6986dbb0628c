/**
 * The base URL rule of the Genea API config node, one for the runtime and the editor (which runs this module too, see
 * scripts/build.js): so it imports nothing.
 */
export const DEFAULT_BASE_URL = 'https://api.sequr.io';

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase()) || /^127(\.\d{1,3}){3}$/.test(hostname);
}

export type BaseUrlProblem = 'invalid' | 'insecure';

/**
 * Checks a base URL: `https:`, or plain `http:` to a loopback host only (a local proxy or test server), so the
 * key never crosses a network in clear; no user, query or fragment, not even a bare `?` or `#` (refused, not
 * stripped: a URL typed with one is not what its author meant). Returns the URL without a trailing slash.
 */
export function checkBaseUrl(raw: unknown): { url: string } | { problem: BaseUrlProblem } {
  const text = typeof raw === 'string' ? raw.trim() : '';
  let url: URL;
  try {
    url = new URL(text === '' ? DEFAULT_BASE_URL : text);
  } catch {
    return { problem: 'invalid' };
  }
  // A bare `?` or `#` leaves url.search and url.hash empty, yet would bend every path appended to the URL.
  if (/[?#]/.test(text) || url.username || url.password || !['http:', 'https:'].includes(url.protocol)) {
    return { problem: 'invalid' };
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) return { problem: 'insecure' };
  return { url: url.href.replace(/\/+$/, '') };
}

/**
 * Receiver paths and request targets, as express sees them. One rule for what a receiver's path may be
 * (shared with the editor through the runtime's settings), and the pathname express routes a request by.
 * Free of Node-RED and express.
 */
import { parse as legacyParse } from 'node:url';

/**
 * A receiver path: `/` and segments of letters, digits, `-`, `_`, `.` and `~`, no empty or dot-only
 * segment, no trailing slash. Express 4 and 5 match every such path literally (any other character is
 * a pattern character in one of them, or is changed by clients and proxies on the way).
 */
export const RECEIVER_PATH_PATTERN = /^(?:\/(?!\.+(?:\/|$))[A-Za-z0-9._~-]+)+$/;

export function isReceiverPath(path: string): boolean {
  return RECEIVER_PATH_PATTERN.test(path);
}

/**
 * The key under which express's default, case-insensitive and non-strict routing finds `path`: several
 * request paths that may reach one route share a key, and different receiver paths never do.
 */
export function routeKey(path: string): string {
  return (
    path
      .replace(/\/{2,}/g, '/')
      .replace(/\/$/, '')
      .toLowerCase() || '/'
  );
}

/** Characters after which parseurl, which express routes by, hands a target to `url.parse`. */
const SLOW_PARSE = new Set([0x09, 0x0a, 0x0c, 0x0d, 0x20, 0x23, 0xa0, 0xfeff]);

/**
 * The pathname express routes `target` (the request line's target) by: what parseurl gives. Absolute-form
 * targets (`http://host/path`), fragments and queries are cut as it cuts them. Null when it has none.
 */
export function requestPathname(target: string): string | null {
  if (target.charCodeAt(0) === 0x2f) {
    let end = target.length;
    for (let i = 1; i < target.length; i++) {
      const code = target.charCodeAt(i);
      if (code === 0x3f) {
        if (end === target.length) end = i;
      } else if (SLOW_PARSE.has(code)) {
        return legacyPathname(target);
      }
    }
    return target.slice(0, end);
  }
  return legacyPathname(target);
}

function legacyPathname(target: string): string | null {
  try {
    // parseurl's own fallback, so that odd targets are cut exactly as express cuts them.
    return legacyParse(target).pathname ?? null;
  } catch {
    return null;
  }
}

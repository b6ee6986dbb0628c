/**
 * Which source addresses may deliver: an optional allow-list of IPs and CIDR
 * ranges (IPv4 and IPv6), and the client address of a request given how many
 * reverse proxies in front of Node-RED are trusted to append to
 * `X-Forwarded-For`. Pure: no Node-RED, no I/O, no Node.js module, so that the
 * editor runs this same parser as you type (the build inlines it there).
 */

/** A bad allow-list entry: no IP address or range, or a prefix length after `/` outside `min`..`max`. */
export type AllowListError =
  | { readonly entry: string; readonly problem: 'address' }
  | { readonly entry: string; readonly problem: 'prefix'; readonly min: number; readonly max: number };

const IPV4_OCTET = '(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)';
const IPV4 = new RegExp(`^${IPV4_OCTET}(\\.${IPV4_OCTET}){3}$`);
const IPV6_GROUP = /^[0-9a-fA-F]{1,4}$/;

/** A dotted IPv4 address (no leading zeros), as `net.isIPv4` accepts it. */
export function isIPv4(text: string): boolean {
  return IPV4.test(text);
}

/** An IPv6 address, optionally with a dotted IPv4 tail and a zone (`%eth0`), as `net.isIPv6` accepts it. */
export function isIPv6(text: string): boolean {
  const zone = text.indexOf('%');
  if (zone !== -1 && !/^%[0-9a-zA-Z.:-]+$/.test(text.slice(zone))) return false;
  let address = zone === -1 ? text : text.slice(0, zone);
  const dotted = /:([^:]*\.[^:]*)$/.exec(address);
  if (dotted) {
    if (!isIPv4(dotted[1])) return false;
    address = `${address.slice(0, dotted.index)}:0:0`;
  }
  const halves = address.split('::');
  if (halves.length > 2) return false;
  const groups = halves.map((half) => (half === '' ? [] : half.split(':')));
  if (!groups.every((list) => list.every((group) => IPV6_GROUP.test(group)))) return false;
  const count = groups.reduce((sum, list) => sum + list.length, 0);
  return halves.length === 2 ? count <= 7 : count === 8;
}

/** An address as a number: IPv4 in 32 bits, IPv6 in 128. IPv4-mapped IPv6 (`::ffff:a.b.c.d`) counts as IPv4. */
interface Address {
  readonly family: 4 | 6;
  readonly value: bigint;
}

interface Range {
  readonly family: 4 | 6;
  /** The network address, host bits cleared. */
  readonly network: bigint;
  readonly prefix: number;
}

const BITS = { 4: 32, 6: 128 } as const;

function ipv4Value(text: string): bigint {
  return text.split('.').reduce((value, octet) => (value << 8n) | BigInt(Number(octet)), 0n);
}

function ipv6Value(text: string): bigint {
  // An embedded dotted IPv4 tail (`::ffff:1.2.3.4`) is two groups.
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  let groups = text;
  if (dotted) {
    const v4 = ipv4Value(dotted[1]);
    groups = `${text.slice(0, dotted.index)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head, tail] = groups.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === undefined || tail === '' ? [] : tail.split(':');
  const zeros = tail === undefined ? [] : Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  return [...headGroups, ...zeros, ...tailGroups].reduce((value, group) => (value << 16n) | BigInt(`0x${group}`), 0n);
}

/** Parses one textual address (a zone suffix such as `%eth0` is ignored); `null` when it is none. */
export function parseAddress(text: string): Address | null {
  const address = text.trim().replace(/%[^%]*$/, '');
  if (isIPv4(address)) return { family: 4, value: ipv4Value(address) };
  if (!isIPv6(address)) return null;
  const value = ipv6Value(address);
  return value >> 32n === 0xffffn ? { family: 4, value: value & 0xffffffffn } : { family: 6, value };
}

function parseRange(entry: string): Range | AllowListError {
  const slash = entry.indexOf('/');
  const addressText = slash === -1 ? entry : entry.slice(0, slash);
  const address = parseAddress(addressText);
  if (!address || addressText.includes('%')) return { entry, problem: 'address' };
  const mapped = address.family === 4 && isIPv6(addressText);
  let prefix = BITS[address.family];
  if (slash !== -1) {
    const prefixText = entry.slice(slash + 1);
    const max = mapped ? 128 : BITS[address.family];
    const min = mapped ? 96 : 0;
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > max || Number(prefixText) < min) {
      return { entry, problem: 'prefix', min, max };
    }
    prefix = Number(prefixText) - (mapped ? 96 : 0);
  }
  const hostBits = BigInt(BITS[address.family] - prefix);
  return { family: address.family, network: (address.value >> hostBits) << hostBits, prefix };
}

function contains(range: Range, address: Address): boolean {
  if (range.family !== address.family) return false;
  const hostBits = BigInt(BITS[range.family] - range.prefix);
  return address.value >> hostBits === range.network >> hostBits;
}

export class SourceAllowList {
  private constructor(private readonly ranges: readonly Range[]) {}

  /**
   * Parses a list of IPs and CIDR ranges separated by commas, spaces or new lines. An empty list allows
   * everyone. Every bad entry is named in `errors`.
   */
  static parse(text: string): { list: SourceAllowList; errors: [] } | { list: null; errors: AllowListError[] } {
    const ranges: Range[] = [];
    const errors: AllowListError[] = [];
    for (const entry of text.split(/[\s,]+/).filter((e) => e !== '')) {
      const range = parseRange(entry);
      if ('problem' in range) errors.push(range);
      else ranges.push(range);
    }
    return errors.length > 0 ? { list: null, errors } : { list: new SourceAllowList(ranges), errors: [] };
  }

  /** True when the list is empty: every source is allowed. */
  get allowsEveryone(): boolean {
    return this.ranges.length === 0;
  }

  /** Whether `address` (textual, as a socket or `X-Forwarded-For` gives it) may deliver. */
  allows(address: string | null): boolean {
    if (this.allowsEveryone) return true;
    const parsed = address === null ? null : parseAddress(address);
    return parsed !== null && this.ranges.some((range) => contains(range, parsed));
  }
}

/** One `X-Forwarded-For` element: a bare address, or one with a port (`1.2.3.4:5678`, `[::1]:5678`). */
function forwardedAddress(element: string): string | null {
  const text = element.trim();
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed) return isIPv6(bracketed[1]) ? bracketed[1] : null;
  const withPort = /^(\d+\.\d+\.\d+\.\d+):\d+$/.exec(text);
  const address = withPort ? withPort[1] : text;
  return isIPv4(address) || isIPv6(address) ? address : null;
}

/**
 * The address of the client that made a request. With `trustedProxies` 0 it is the socket's peer and
 * `X-Forwarded-For` is ignored (anyone can send that header). With N trusted proxies in front, it is the
 * address the outermost trusted proxy received the request from: the Nth `X-Forwarded-For` element from
 * the right (each proxy appends the address it saw). `null` when that element is missing or not an
 * address: the request did not come through the proxies the setting describes.
 */
export function clientAddress(
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: number,
): string | null {
  if (trustedProxies <= 0) return socketAddress ?? null;
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : (forwardedFor ?? '');
  const chain = header.split(',').filter((element) => element.trim() !== '');
  const element = chain[chain.length - trustedProxies];
  return element === undefined ? null : forwardedAddress(element);
}

/**
 * The 403 to answer when the request's client address is not allowed; `null` when it is (always, for an
 * empty list).
 */
export function sourceRejection(
  list: SourceAllowList,
  socketAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trustedProxies: number,
): { readonly status: 403; readonly reason: string } | null {
  if (list.allowsEveryone) return null;
  const client = clientAddress(socketAddress, forwardedFor, trustedProxies);
  if (client === null) {
    return {
      status: 403,
      reason: `Forbidden: X-Forwarded-For does not show the ${trustedProxies} trusted proxy hop(s) configured`,
    };
  }
  return list.allows(client) ? null : { status: 403, reason: `Forbidden: source ${client} is not allowed` };
}

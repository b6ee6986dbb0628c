/**
 * "First of the day" bookkeeping for the access-granted filter: the local day
 * of an instant in an IANA time zone, and a bounded, serialisable memory of
 * which location (or location and user) already had its first event on which
 * day. Free of Node-RED.
 */
import type { GeneaSummary } from './event';

/** A local calendar day, `YYYY-MM-DD`: ISO order, so string order is day order. */
export type LocalDay = string;

/** What the memory says of an event: a first of its day, another of a day that had its first, or of an older day. */
export type FirstOfDayVerdict = 'first' | 'repeat' | 'older-day';

/** What the memory looks like in the node's context (plain JSON). */
export interface DayTrackerState {
  version: 1;
  /** The latest day any first was recorded for. */
  latest: LocalDay | null;
  /** Key (a location, or a location and a user) → the day of its last first event. */
  firsts: Record<string, LocalDay>;
}

/** Days kept before `latest`: local days at one instant differ by up to two across the world's time zones. */
const DAYS_KEPT_BEFORE_LATEST = 2;
/** A hard cap on remembered keys, whatever the input; the oldest go first. */
const DEFAULT_MAX_KEYS = 100_000;
/** An `event_time` further ahead of the server clock than this is a wrong clock, not an event. */
const MAX_CLOCK_AHEAD_MS = 24 * 60 * 60 * 1000;
const MAX_CACHED_ZONES = 1000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

function makeFormatter(timeZone?: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat('en-US', {
    timeZone,
    calendar: 'gregory',
    numberingSystem: 'latn',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  });
}

const serverFormatter = makeFormatter();
// Formatters are costly to build and time zones few; unknown zones are cached too, as null.
const zoneFormatters = new Map<string, Intl.DateTimeFormat | null>();

function zoneFormatter(timeZone: string): Intl.DateTimeFormat | null {
  let formatter = zoneFormatters.get(timeZone);
  if (formatter !== undefined) return formatter;
  try {
    formatter = makeFormatter(timeZone);
  } catch {
    formatter = null; // RangeError: not a time zone this server's Intl knows
  }
  if (zoneFormatters.size < MAX_CACHED_ZONES) zoneFormatters.set(timeZone, formatter);
  return formatter;
}

/** True for a time zone name this server's Intl knows (`Europe/Berlin`, `UTC`, ...). */
export function isValidTimeZone(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '' && zoneFormatter(value.trim()) !== null;
}

/** The first valid time zone among `candidates`, trimmed; `undefined` (the server's own zone) when none is. */
export function pickTimeZone(...candidates: unknown[]): string | undefined {
  const found = candidates.find(isValidTimeZone);
  return found === undefined ? undefined : found.trim();
}

/** The local day of `instantMs` in `timeZone`; in the server's zone when that is missing or unknown. */
export function localDay(instantMs: number, timeZone?: string): LocalDay {
  const formatter = (timeZone !== undefined && zoneFormatter(timeZone.trim())) || serverFormatter;
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(instantMs)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/**
 * The instant that decides an event's day: its `event_time`, so that a late or
 * retried delivery belongs to the day it happened on. The arrival time stands
 * in when the event has no parsable time, or one more than a day ahead of the
 * server clock (a wrong clock must not claim a future day).
 */
export function eventInstant(eventTime: unknown, arrivalMs: number): number {
  const ms = typeof eventTime === 'string' ? Date.parse(eventTime) : NaN;
  return Number.isNaN(ms) || ms > arrivalMs + MAX_CLOCK_AHEAD_MS ? arrivalMs : ms;
}

function identity(ref: unknown): string {
  if (typeof ref !== 'object' || ref === null) return '';
  const { uuid, name } = ref as { uuid?: unknown; name?: unknown };
  if (typeof uuid === 'string' && uuid !== '') return `uuid:${uuid}`;
  if (typeof name === 'string' && name !== '') return `name:${name.trim().toLowerCase()}`;
  return '';
}

/**
 * The memory key of an event: its location, and with `perUser` also its user,
 * each by uuid, else by name. Events without a location (or user) share one key.
 */
export function firstOfDayKey(summary: GeneaSummary, perUser: boolean): string {
  const parts = [identity(summary.location)];
  if (perUser) parts.push(identity(summary.user));
  return JSON.stringify(parts);
}

function previousDay(day: LocalDay, count: number): LocalDay {
  const [year, month, date] = day.split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, date - count)).toISOString().slice(0, 10);
}

/**
 * Which keys already had their first event on which day. A key's first on a
 * day is claimed once; an event of an earlier day than the key's last first is
 * late and never a first. Memory keeps the latest day and the two before it
 * (older entries are pruned, and events of older days are never firsts),
 * capped at `maxKeys` keys.
 */
export class DayTracker {
  private readonly firsts = new Map<string, LocalDay>();
  private latest: LocalDay | null = null;

  /** Restores from `state` as `toJSON` made it; anything malformed is ignored (an empty memory). */
  constructor(
    state?: unknown,
    private readonly maxKeys = DEFAULT_MAX_KEYS,
  ) {
    if (typeof state !== 'object' || state === null) return;
    const { latest, firsts } = state as Partial<DayTrackerState>;
    if (typeof firsts === 'object' && firsts !== null) {
      for (const [key, day] of Object.entries(firsts)) {
        if (typeof day === 'string' && DAY.test(day)) this.firsts.set(key, day);
      }
    }
    if (typeof latest === 'string' && DAY.test(latest)) this.latest = latest;
    this.prune();
  }

  get size(): number {
    return this.firsts.size;
  }

  /**
   * `first` when `day` is a new day for `key` (and remembers it); `repeat` when `key` already had its first on `day`;
   * `older-day` when `key` had its first on a later day, or `day` is older than the memory covers.
   */
  claim(key: string, day: LocalDay): FirstOfDayVerdict {
    // A day older than the memory covers cannot be judged: it is not a new first.
    if (this.latest !== null && day < previousDay(this.latest, DAYS_KEPT_BEFORE_LATEST)) return 'older-day';
    const last = this.firsts.get(key);
    if (last !== undefined && last >= day) return last === day ? 'repeat' : 'older-day';
    // Re-inserting keeps the map in order of claims, oldest first, for the cap.
    this.firsts.delete(key);
    this.firsts.set(key, day);
    if (this.latest === null || day > this.latest) {
      this.latest = day;
      this.prune();
    }
    while (this.firsts.size > this.maxKeys) this.firsts.delete(this.firsts.keys().next().value as string);
    return 'first';
  }

  toJSON(): DayTrackerState {
    return { version: 1, latest: this.latest, firsts: Object.fromEntries(this.firsts) };
  }

  private prune(): void {
    if (this.latest === null) return;
    const oldestKept = previousDay(this.latest, DAYS_KEPT_BEFORE_LATEST);
    for (const [key, day] of this.firsts) {
      if (day < oldestKept) this.firsts.delete(key);
    }
  }
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The first-of-day decision as one atomic claim in a shared ClaimStore (Redis, for several replicas): the key
 * names the memory key and the local day; the claim lives until the event's day and the two after it have ended
 * (as long as the in-process memory keeps a day), counted from the arrival for an event that arrives late.
 */
export function firstOfDayClaim(
  memoryKey: string,
  day: LocalDay,
  instantMs: number,
  arrivalMs: number,
): { key: string; ttlMs: number } {
  return {
    key: `${memoryKey}:${day}`,
    ttlMs: Math.max(instantMs, arrivalMs) - arrivalMs + (DAYS_KEPT_BEFORE_LATEST + 1) * DAY_MS,
  };
}

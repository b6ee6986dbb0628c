/**
 * Who, where and when of a sample event, chosen by the sender's --user, --location, --timezone, --door and --time:
 * a flow keyed on users, locations or local time (time tracking, the first arrival of the morning) can be tried
 * with more than one of each. A name gets a stable uuid (the same name, the same uuid), as in Genea, whose events
 * filters and day tracking key on uuids.
 */
import { createHash } from 'node:crypto';
import type { GeneaEvent, GeneaLocation } from './event';

export interface SampleDetails {
  /** `actor.user_name` (the actor becomes a user with that name, uuid and e-mail address). */
  user?: string;
  /** `location[].name` and uuid. */
  location?: string;
  /** `location[].timezone`, an IANA name. */
  timezone?: string;
  /** `door.name` and uuid. */
  door?: string;
  /** `event_time` (and `created_at`), ISO 8601. */
  time?: string;
}

/** A version-5-shaped uuid derived from `kind` and `name`. */
export function stableUuid(kind: string, name: string): string {
  const hex = createHash('sha256').update(`${kind}\n${name}`).digest('hex');
  const variant = (8 | (parseInt(hex[16], 16) & 3)).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}

function emailOf(name: string): string {
  const local = name
    .normalize('NFKD')
    .replace(/[^\w\s.-]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[\s_]+/g, '.');
  return `${local || 'user'}@example.com`;
}

/** `event` with the given details in place of the sample's own; the rest untouched. */
export function withSampleDetails(event: GeneaEvent, details: SampleDetails): GeneaEvent {
  const result: GeneaEvent = { ...event };
  const { user, location, timezone, door, time } = details;
  if (user !== undefined) {
    result.actor = {
      ...(event.actor ?? {}),
      type: 'USER',
      user_uuid: stableUuid('user', user),
      user_name: user,
      user_email: emailOf(user),
    };
  }
  if (location !== undefined || timezone !== undefined) {
    const places: GeneaLocation[] = Array.isArray(event.location) ? event.location : [event.location ?? {}];
    result.location = places.map((place) => ({
      ...place,
      ...(location === undefined ? {} : { name: location, uuid: stableUuid('location', location) }),
      ...(timezone === undefined ? {} : { timezone }),
    }));
  }
  if (door !== undefined) result.door = { ...(event.door ?? {}), name: door, uuid: stableUuid('door', door) };
  if (time !== undefined) {
    result.event_time = time;
    result.created_at = time;
  }
  return result;
}

const LOCAL_TIME = /^([01]\d|2[0-3]):([0-5]\d)(?::([0-5]\d))?$/;

/** The wall-clock fields of `instantMs` in `timeZone`. */
function wallClock(
  instantMs: number,
  timeZone: string,
): Record<'year' | 'month' | 'day' | 'hour' | 'minute' | 'second', number> {
  const formatter = new Intl.DateTimeFormat('en-US', {
    timeZone,
    calendar: 'gregory',
    numberingSystem: 'latn',
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });
  const parts = Object.fromEntries(formatter.formatToParts(instantMs).map((part) => [part.type, Number(part.value)]));
  return {
    year: parts.year,
    month: parts.month,
    day: parts.day,
    hour: parts.hour,
    minute: parts.minute,
    second: parts.second,
  };
}

/** Minutes `timeZone` is ahead of UTC at `instantMs`. */
function offsetMinutes(instantMs: number, timeZone: string): number {
  const wall = wallClock(instantMs, timeZone);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return Math.round((asUtc - Math.floor(instantMs / 1000) * 1000) / 60_000);
}

const twoDigits = (value: number): string => String(value).padStart(2, '0');

/**
 * `HH:MM` or `HH:MM:SS` on today's date in `timeZone` (today as it is there at `nowMs`), as an ISO 8601 time with
 * that zone's offset, e.g. `08:55` in America/New_York → `2026-12-01T08:55:00-05:00`; null when `text` is no such
 * time. A sample event of today stays a first of its day, whenever it is sent.
 */
export function todayAt(text: string, timeZone: string, nowMs = Date.now()): string | null {
  const match = LOCAL_TIME.exec(text);
  if (!match) return null;
  const [hour, minute, second] = [match[1], match[2], match[3] ?? '0'].map(Number);
  const today = wallClock(nowMs, timeZone);
  const wallMs = Date.UTC(today.year, today.month - 1, today.day, hour, minute, second);
  // The zone's offset at that instant (found from the offset near it, as a change of offset moves the instant).
  const offset = offsetMinutes(wallMs - offsetMinutes(wallMs, timeZone) * 60_000, timeZone);
  const sign = offset < 0 ? '-' : '+';
  const date = `${today.year}-${twoDigits(today.month)}-${twoDigits(today.day)}`;
  const time = `${twoDigits(hour)}:${twoDigits(minute)}:${twoDigits(second)}`;
  return `${date}T${time}${sign}${twoDigits(Math.floor(Math.abs(offset) / 60))}:${twoDigits(Math.abs(offset) % 60)}`;
}

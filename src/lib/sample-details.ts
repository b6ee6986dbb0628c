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

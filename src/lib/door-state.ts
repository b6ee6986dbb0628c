/**
 * The live state of every door: merged from Genea's door list (the truth at the time of listing) and from door
 * events (which arrive at once, in between). A field Genea does not give is null, never guessed. Free of Node-RED.
 */
import { toCode, type GeneaSummary } from './event';
import type { GeneaDoorRecord, GeneaLocationRecord } from './genea-api';

/** Where a door's state last changed from. */
export type DoorStateSource = 'list' | 'event';

export interface DoorState {
  uuid: string;
  name: string | null;
  /** The location's name, else its uuid (a key that may not read locations). */
  location: string | null;
  locked: boolean | null;
  online: boolean | null;
  /** Forced open: `is_door_force_seen`, or a forced-open alarm. */
  forced: boolean | null;
  /** Held open: `is_door_held_seen`, or a held-open alarm. */
  held: boolean | null;
  lockdown: boolean | null;
  /** The access mode as a code, e.g. `CARD_ONLY`, `UNLOCKED`. */
  mode: string | null;
  /** ISO-8601 time of the last change: the event's time, else when it was seen. */
  updated: string;
  source: DoorStateSource;
}

/** The fields a change is made of (`updated` and `source` only say when and whence). */
export const DOOR_FIELDS = ['name', 'location', 'locked', 'online', 'forced', 'held', 'lockdown', 'mode'] as const;
export type DoorField = (typeof DOOR_FIELDS)[number];

export interface DoorChange {
  uuid: string;
  /** The new state; null when the door is gone from the list. */
  state: DoorState | null;
  /** The state before; null for a door not known before. */
  previous: DoorState | null;
  /** The fields that differ (every field for a door new or gone). */
  changed: DoorField[];
}

/** What a list record or an event says of a door: only the fields it gives, never null. */
type Facts = Partial<{ [F in DoorField]: NonNullable<DoorState[F]> }>;

function text(value: unknown): string | null {
  return typeof value === 'string' && value.trim() !== '' ? value.trim() : null;
}

function bool(value: unknown): boolean | null {
  return typeof value === 'boolean' ? value : null;
}

function modeCode(value: unknown): string | null {
  const raw = text(value);
  const code = raw === null ? '' : toCode(raw);
  return code === '' ? null : code;
}

/**
 * What one record of Genea's door list says; null for a record without a uuid. A field the record leaves out or
 * null is left out: it keeps what an event told, and stays null for a door known from nowhere else.
 */
export function factsFromRecord(
  record: GeneaDoorRecord,
  locationNames: ReadonlyMap<string, string>,
): { uuid: string; facts: Facts } | null {
  const uuid = text(record.uuid);
  if (uuid === null) return null;
  const locationUuid = text(record.location_uuid);
  const said: Record<DoorField, string | boolean | null> = {
    name: text(record.name),
    location: locationUuid === null ? null : (locationNames.get(locationUuid) ?? locationUuid),
    locked: bool(record.is_locked),
    online: bool(record.is_online),
    forced: bool(record.is_door_force_seen),
    held: bool(record.is_door_held_seen),
    lockdown: bool(record.is_lockdown),
    mode: modeCode(record.door_access_mode),
  };
  const facts = Object.fromEntries(Object.entries(said).filter(([, value]) => value !== null)) as Facts;
  return { uuid, facts };
}

/** What an event says of its door; null when it is not about a door's state or names no door. */
export function factsFromEvent(summary: GeneaSummary): { uuid: string; facts: Facts } | null {
  const uuid = text(summary.door?.uuid);
  if (uuid === null) return null;
  const facts: Facts = {};
  const alarms: unknown[] = Array.isArray(summary.alarms) ? summary.alarms : [];
  switch (summary.type) {
    case 'door.forced_open':
    case 'door.held_open':
    case 'door.alarm':
      // Only the states the alarm says are on: a bare door.alarm names none, and so changes none.
      if (summary.type === 'door.forced_open' || alarms.includes('forced_open')) facts.forced = true;
      if (summary.type === 'door.held_open' || alarms.includes('held_open')) facts.held = true;
      break;
    case 'door.secured':
      // The door position sensor is secure again: neither forced nor held open.
      facts.forced = false;
      facts.held = false;
      break;
    case 'door.mode_changed': {
      const mode = modeCode(summary.mode);
      if (mode !== null) facts.mode = mode;
      break;
    }
    case 'device.status':
      if (typeof summary.online === 'boolean') facts.online = summary.online;
      break;
    default:
      return null;
  }
  const name = text(summary.door?.name);
  if (name !== null) facts.name = name;
  const location = text(summary.location?.name) ?? text(summary.location?.uuid);
  if (location !== null) facts.location = location;
  return { uuid, facts };
}

function emptyState(uuid: string, updated: string, source: DoorStateSource): DoorState {
  const state = { uuid, updated, source } as DoorState;
  for (const field of DOOR_FIELDS) state[field] = null;
  return state;
}

/** `previous` with `facts` applied (a new door when `previous` is null); the same object when nothing differs. */
function apply(
  uuid: string,
  previous: DoorState | null,
  facts: Facts,
  updated: string,
  source: DoorStateSource,
): { state: DoorState; changed: DoorField[] } {
  const changed = DOOR_FIELDS.filter(
    (field) => previous === null || (facts[field] !== undefined && facts[field] !== previous[field]),
  );
  if (previous !== null && changed.length === 0) return { state: previous, changed };
  const state: DoorState = { ...(previous ?? emptyState(uuid, updated, source)), updated, source };
  for (const field of DOOR_FIELDS) {
    const value = facts[field];
    if (value !== undefined) (state as unknown as Record<string, unknown>)[field] = value;
  }
  return { state, changed };
}

/** Every door's state by uuid, changed only through the two merges below. */
export class DoorStates {
  private readonly doors = new Map<string, DoorState>();

  /** The doors in the order they were first seen. */
  all(): DoorState[] {
    return [...this.doors.values()];
  }

  get(uuid: string): DoorState | undefined {
    return this.doors.get(uuid);
  }

  get size(): number {
    return this.doors.size;
  }

  /**
   * Applies an event; at most one change (none for an event that is not about a door's state, or that says what
   * was known). A door not known yet is added. `now` is used when the event has no time.
   */
  applyEvent(summary: GeneaSummary, now: Date = new Date()): DoorChange[] {
    const read = factsFromEvent(summary);
    if (read === null) return [];
    const previous = this.doors.get(read.uuid) ?? null;
    const { state, changed } = apply(read.uuid, previous, read.facts, summary.time ?? now.toISOString(), 'event');
    if (changed.length === 0) return [];
    this.doors.set(read.uuid, state);
    return [{ uuid: read.uuid, state, previous, changed }];
  }

  /**
   * Applies a full listing: every listed door takes what the list says, doors not in it are removed. Returns a
   * change per door that differs, then one per door removed.
   */
  applyList(doors: GeneaDoorRecord[], locations: GeneaLocationRecord[], now: Date = new Date()): DoorChange[] {
    const locationNames = new Map<string, string>();
    for (const location of locations) {
      const uuid = text(location.uuid);
      const name = text(location.name);
      if (uuid !== null && name !== null) locationNames.set(uuid, name);
    }
    const updated = now.toISOString();
    const changes: DoorChange[] = [];
    const listed = new Set<string>();
    for (const record of doors) {
      const read = factsFromRecord(record, locationNames);
      if (read === null || listed.has(read.uuid)) continue;
      listed.add(read.uuid);
      const previous = this.doors.get(read.uuid) ?? null;
      const { state, changed } = apply(read.uuid, previous, read.facts, updated, 'list');
      if (changed.length === 0) continue;
      this.doors.set(read.uuid, state);
      changes.push({ uuid: read.uuid, state, previous, changed });
    }
    for (const [uuid, previous] of this.doors) {
      if (listed.has(uuid)) continue;
      this.doors.delete(uuid);
      changes.push({ uuid, state: null, previous, changed: [...DOOR_FIELDS] });
    }
    return changes;
  }
}

export interface DoorCounts {
  doors: number;
  unlocked: number;
  offline: number;
  /** Forced or held open. */
  alarm: number;
}

/** What a status line says of the doors: only what is known counts (a null `locked` is not unlocked). */
export function countDoors(states: DoorState[]): DoorCounts {
  return {
    doors: states.length,
    unlocked: states.filter((state) => state.locked === false).length,
    offline: states.filter((state) => state.online === false).length,
    alarm: states.filter((state) => state.forced === true || state.held === true).length,
  };
}

export const DEFAULT_REFRESH_MINUTES = 5;
/** One day: a state older is no live state (and setInterval overflows past 24.8 days). */
export const MAX_REFRESH_MINUTES = 1440;

/** `refreshMinutes` as a number of minutes, or null when it is not one the node can use. */
export function refreshMinutes(value: unknown): number | null {
  if (value === undefined || value === null || (typeof value === 'string' && value.trim() === '')) {
    return DEFAULT_REFRESH_MINUTES;
  }
  const minutes = typeof value === 'number' ? value : typeof value === 'string' ? Number(value) : NaN;
  return Number.isFinite(minutes) && minutes >= 0 && minutes <= MAX_REFRESH_MINUTES ? minutes : null;
}

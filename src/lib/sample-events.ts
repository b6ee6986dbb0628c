/**
 * Realistic Genea events of each kind, in the current payload shape, for the test-event sender,
 * the editor's "Send test event" button and the demo. Each call makes a new event (fresh `uuid`,
 * `event_time` now), so that a sample is never taken for a retry of the previous one.
 */
import { randomUUID } from 'node:crypto';
import { GENEA_EVENT_TYPES, type GeneaEvent, type GeneaEventType } from './event';

/** Every kind of event the model knows, but hardware installs, which Genea's admins rarely see. */
export type SampleEventType = Exclude<GeneaEventType, 'resource.installed' | 'resource.uninstalled'>;
export const SAMPLE_EVENT_TYPES: readonly SampleEventType[] = GENEA_EVENT_TYPES.filter(
  (type): type is SampleEventType => type !== 'resource.installed' && type !== 'resource.uninstalled',
);

const location = {
  uuid: '5d1f3c8e-2b7a-4c51-9e0d-8a6f2e4b7c10',
  name: 'Headquarters',
  address_line1: '350 Fifth Avenue',
  address_line2: 'Floor 21',
  city: 'New York',
  state: 'NY',
  zip: '10118',
  phone: '+1 212 555 0100',
  timezone: 'America/New_York',
  latitude: 40.7484,
  longitude: -73.9857,
};

const user = {
  type: 'USER',
  user_uuid: '8c2e6a41-7f3b-4d92-a1e5-3b9c0d7f2e64',
  user_name: 'Aaron Arnold',
  user_email: 'aaron.arnold@example.com',
  user_avatar_url: null,
  user_location_uuid: 'a4e7c2d9-1b3f-4e6a-8c5d-7f9b2e0a1c38',
  user_location_role: 'USER',
};

const admin = {
  ...user,
  user_uuid: 'f1d3b5a7-9c2e-4f6a-8b0d-2e4c6a8f0b1d',
  user_name: 'Ada Admin',
  user_email: 'ada.admin@example.com',
  user_location_role: 'ADMIN',
};

const door = {
  uuid: '3a9f7c1e-5b2d-4e8a-9c6f-1d3b5a7e9c2f',
  name: 'Main Entrance',
  door_status: 'CLOSED',
  model: 'iCLASS® R10',
};

const controller = {
  uuid: 'b7d9f1a3-c5e7-4b9d-8f1a-3c5e7b9d1f3a',
  name: 'Lobby Controller',
  mac: '00:0E:C6:A1:B2:C3',
  model: 'LP1502',
  status: 'ONLINE',
  serial_number: 'LP1502-004217',
};

const card = {
  uuid: 'c4e6a8b0-d2f4-4a6c-8e0b-2d4f6a8c0e2b',
  type: 'KEYCARD',
  status: 'ACTIVE',
  card_number: '1111',
  start_date: '2026-01-01T00:00:00.000Z',
  end_date: null,
  badge_type: { uuid: 'e8a0c2e4-f6b8-4d0f-a2c4-e6f8b0d2f4a6', name: 'Employee' },
};

function envelope(type: string, action: string, message: string, extra: Partial<GeneaEvent>): GeneaEvent {
  const now = new Date().toISOString();
  return {
    uuid: randomUUID(),
    event_time: now,
    created_at: now,
    event_type: type,
    event_action: action,
    event_message: message,
    event_note: null,
    event_hw_info: null,
    actor: user,
    location: [location],
    metadata: { version: '2' },
    ...extra,
  };
}

function audit(action: 'CREATED' | 'UPDATED' | 'DELETED', verb: string): GeneaEvent {
  return envelope('AUDIT', action, `${verb} Card 1111 for Aaron Arnold`, {
    actor: admin,
    audit_resource: { id: 1111, uuid: card.uuid, name: 'Card 1111', type: 'CARD' },
  });
}

/**
 * A door or device event at the main entrance, raised by the system. Their `event_type` is not documented
 * (Genea tells them apart by `event_action`); the samples say `DOOR`.
 */
function doorEvent(action: string, message: string, extra: Partial<GeneaEvent>): GeneaEvent {
  return envelope('DOOR', action, message, { door, controller, actor: { type: 'SYSTEM' }, ...extra });
}

function doorAlarm(message: string, states: Record<string, string> | null): GeneaEvent {
  return doorEvent('SEQUR_DOOR_POSITION_SENSOR_ALARM', message, {
    door: { ...door, door_status: 'OPEN' },
    additional_info: states,
  });
}

/** A new sample event of the given kind. */
export function sampleEvent(type: SampleEventType): GeneaEvent {
  switch (type) {
    case 'access.granted':
      return envelope('ACCESS', 'SEQUR_ACCESS_GRANTED', 'Access Granted', { door, controller, card });
    case 'access.denied':
      return envelope('ACCESS', 'SEQUR_ACCESS_DENIED_CARD_NOT_FOUND', 'Access Denied - Card Not Found', {
        door,
        controller,
        card: { ...card, uuid: null, card_number: '9999', status: null, badge_type: null },
        actor: { type: 'SYSTEM' },
      });
    case 'access.anti_passback':
      return envelope(
        'ACCESS',
        'SEQUR_ACCESS_DENIED_ANTI_PASSBACK_VIOLATION',
        'Access Denied - Anti-Passback Violation',
        { door, controller, card },
      );
    case 'resource.created':
      return audit('CREATED', 'Created');
    case 'resource.updated':
      return audit('UPDATED', 'Updated');
    case 'resource.deleted':
      return audit('DELETED', 'Deleted');
    case 'door.forced_open':
      return doorAlarm('Door Forced Open', {
        'Forced Open State': 'Prior : No, Current : Yes',
        'Held Open State': 'Prior : No, Current : No',
      });
    case 'door.held_open':
      return doorAlarm('Door Held Open', {
        'Forced Open State': 'Prior : No, Current : No',
        'Held Open State': 'Prior : No, Current : Yes',
      });
    case 'door.alarm':
      return doorAlarm('Door Position Sensor Alarm', null);
    case 'door.secured':
      return doorEvent('SEQUR_DOOR_POSITION_SENSOR_SECURE', 'Door Secure', {
        additional_info: {
          'Forced Open State': 'Prior : Yes, Current : No',
          'Held Open State': 'Prior : No, Current : No',
        },
      });
    case 'door.mode_changed':
      // Unlocked through Genea's API: the actor is the API key.
      return doorEvent('SEQUR_DOOR_ACCESS_MODE_UNLOCKED', 'Door Access Mode Changed to Unlocked', {
        door: { ...door, door_status: 'CLOSED' },
        actor: { type: 'API_KEY' },
      });
    case 'door.quick_grant':
      return doorEvent('SEQUR_HOST_INITIATED_REQUEST_DOOR_USE_NOT_VERIFIED', 'Remote door quick grant', {
        actor: admin,
      });
    case 'device.status':
      // The shape of the reader's new status is not documented: this sample writes it as the door alarm states are.
      return doorEvent('OSDP_READER_ONLINE_STATUS_UPDATE', 'Reader Online Status Update', {
        event_type: 'CONTROLLER',
        additional_info: { 'Reader Online State': 'Prior : Yes, Current : No' },
      });
    case 'other':
      return envelope('CONTROLLER', 'SEQUR_SAMPLE_UNCLASSIFIED_EVENT', 'An event this package does not classify', {
        controller,
        actor: { type: 'SYSTEM' },
      });
  }
}

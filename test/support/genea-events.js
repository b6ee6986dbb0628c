'use strict';
// Genea events shaped as in /work/shared/genea-webhooks.md, for unit and node tests.

let counter = 0;

const HQ = { uuid: 'loc-hq', name: 'HQ', timezone: 'America/New_York' };
const BERLIN = { uuid: 'loc-ber', name: 'Berlin Office', timezone: 'Europe/Berlin' };
const AARON = {
  type: 'USER',
  user_uuid: 'user-aaron',
  user_name: 'Aaron Arnold',
  user_email: 'aaron@example.com',
  user_location_role: 'USER',
};
const BEA = { type: 'USER', user_uuid: 'user-bea', user_name: 'Bea Brown', user_email: 'bea@example.com' };

/** A current-shape event (location as an array); `fields` override or add top-level fields. */
function event(fields = {}) {
  counter++;
  return {
    uuid: `evt-${counter}`,
    event_time: '2026-11-20T13:00:00.000Z',
    created_at: '2026-11-20T13:00:01.000Z',
    event_type: 'ACCESS',
    event_action: 'SEQUR_ACCESS_GRANTED',
    event_message: 'Access Granted',
    event_note: null,
    event_hw_info: null,
    actor: AARON,
    location: [HQ],
    door: { uuid: 'door-front', name: 'Front Door', door_status: 'CLOSED', model: 'R10' },
    controller: { uuid: 'ctl-1', name: 'Main', mac: '00:11:22:33:44:55', model: 'LP1502', status: 'ONLINE' },
    card: { uuid: 'card-1', type: 'KEYCARD', status: 'ACTIVE', card_number: '1111' },
    metadata: { version: 2 },
    ...fields,
  };
}

const granted = (fields) => event(fields);

function denied(reason, fields) {
  const text = reason.replace(/_/g, ' ').toLowerCase();
  return event({ event_action: `SEQUR_ACCESS_DENIED_${reason}`, event_message: `Access Denied - ${text}`, ...fields });
}

const antiPassback = (fields) =>
  event({
    event_action: 'SEQUR_ACCESS_DENIED_ANTI_PASSBACK_VIOLATION',
    event_message: 'Access Denied - Anti-Passback Violation',
    ...fields,
  });

function audit(action, resourceType, fields) {
  return event({
    event_type: 'AUDIT',
    event_action: action,
    event_message: `${action[0]}${action.slice(1).toLowerCase()} ${resourceType} for Aaron Arnold`,
    audit_resource: { id: 7, uuid: `res-${resourceType.toLowerCase()}`, name: 'Aaron Arnold', type: resourceType },
    door: null,
    card: null,
    ...fields,
  });
}

/** The older flat shape: no event_type / event_action. */
function flat(message, fields) {
  counter++;
  return {
    uuid: `old-${counter}`,
    event_time: '2026-11-20T13:00:00.000Z',
    event_message: message,
    user_name: 'Aaron Arnold',
    site_location: 'HQ',
    model: 'iCLASS® R10',
    'Card Unique ID': '0x1234',
    'Interface Address': '1',
    'Side 0(L)/1(R)': '0',
    address_line1: '1 Main St',
    address_line2: null,
    ...fields,
  };
}

module.exports = { HQ, BERLIN, AARON, BEA, event, granted, denied, antiPassback, audit, flat };

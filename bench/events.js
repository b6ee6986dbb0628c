'use strict';
// Realistic, signed Genea deliveries, each with a uuid never used before in this run, so that no request
// the receiver sees is a retry of an earlier one.
//
// Signing must cost the load generator (which shares the machine with the server) almost nothing, even for
// 1 MiB bodies. Each body is a fixed prefix (the whole event up to its "uuid" value) plus a short unique tail,
// so the HMAC-SHA1 is computed the standard way (RFC 2104) with the inner hash of key-block + prefix done
// once per template: per request only the tail is hashed.
const crypto = require('node:crypto');

const BLOCK = 64; // SHA-1 block size, bytes
/** Every uuid handed out in this process is RUN_SEED plus a serial number: unique across sources and runs. */
const RUN_SEED = crypto.randomInt(2 ** 32);
let issued = 0;

const PEOPLE = [
  ['Aaron Arnold', 'aaron.arnold@example.com'],
  ['Beatriz Costa', 'beatriz.costa@example.com'],
  ['Chen Wei', 'chen.wei@example.com'],
  ['Dana Okafor', 'dana.okafor@example.com'],
];
const DOORS = ['Front Door', 'Loading Dock', 'Server Room', 'Stairwell B'];

/**
 * Access-granted events (the most frequent kind), in both action codes Genea uses, across users and doors:
 * configuration A's access-granted filter passes every one, so its sink runs for each delivery as B's does.
 */
const KINDS = [
  { type: 'ACCESS', action: 'SEQUR_ACCESS_GRANTED', message: 'Access Granted' },
  { type: 'ACCESS', action: 'SEQUR_ACCESS_GRANTED_ACCESS_POINT_UNLOCKED', message: 'Access Granted' },
];
/** Templates: kinds × people × doors. */
const TEMPLATES = KINDS.length * 4;

function hexId(n, length) {
  return n.toString(16).padStart(length, '0').slice(-length);
}

/** A uuid-shaped id: 8-4-4-4-12 hex digits, the last 12 counting. */
function uuidFrom(seed, n) {
  const s = hexId(seed, 12);
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-4${hexId(seed >>> 4, 3)}-a${hexId(seed >>> 8, 3)}-${hexId(n, 12)}`;
}

/** The event as Genea sends it, without its own uuid (which goes last, see the top of this file). */
function eventBody(index) {
  const kind = KINDS[index % KINDS.length];
  const [userName, userEmail] = PEOPLE[(index >> 1) % PEOPLE.length];
  const door = DOORS[index % DOORS.length];
  const time = new Date(Date.UTC(2026, 10, 29, 8, 0, index % 60)).toISOString();
  const event = {
    event_time: time,
    created_at: time,
    event_type: kind.type,
    event_action: kind.action,
    event_message: kind.message,
    event_note: null,
    event_hw_info: null,
    actor: {
      type: 'USER',
      user_uuid: uuidFrom(0x5e11, index),
      user_name: userName,
      user_email: userEmail,
      user_avatar_url: null,
      user_location_uuid: uuidFrom(0x10c, index),
      user_location_role: 'USER',
    },
    location: [
      {
        uuid: uuidFrom(0x10c, 1),
        name: 'HQ',
        address_line1: '100 Main Street',
        address_line2: 'Floor 4',
        city: 'New York',
        state: 'NY',
        zip: '10001',
        phone: '+1 212 555 0100',
        timezone: 'America/New_York',
        latitude: 40.7506,
        longitude: -73.9972,
      },
    ],
    door: {
      uuid: uuidFrom(0xd00, index % DOORS.length),
      name: door,
      door_status: 'CLOSED',
      model: 'HID iCLASS SE R10',
    },
    controller: {
      uuid: uuidFrom(0xc0, 1),
      name: 'Controller 1',
      mac: '00:0b:82:1a:2b:3c',
      model: 'LP1502',
      status: 'ONLINE',
      serial_number: 'LP1502-000123',
    },
    card: {
      uuid: uuidFrom(0xca4d, index),
      type: 'KEYCARD',
      status: 'ACTIVE',
      card_number: String(1111 + index),
    },
    metadata: { version: '2' },
  };
  return event;
}

/** One past access record: the structured filler that makes larger bodies (JSON.parse cost depends on shape). */
function historyEntry(i) {
  return {
    uuid: uuidFrom(0xa15, i),
    event_time: new Date(Date.UTC(2026, 10, 28, 8, 0, i % 60)).toISOString(),
    event_action: 'SEQUR_ACCESS_GRANTED',
    door: DOORS[i % DOORS.length],
    user_name: PEOPLE[i % PEOPLE.length][0],
  };
}

/** `{..., "uuid":"` and the length of the tail `<uuid>"}` that completes it. */
function prefixOf(event) {
  const json = JSON.stringify(event);
  return `${json.slice(0, -1)},"uuid":"`;
}
const TAIL_LENGTH = uuidFrom(0, 0).length + 2;

/**
 * The event text padded to exactly `size` bytes with past-access records (structured JSON, as a large real
 * delivery would be) and a final note; `size` 0 means the event as it is.
 */
function templatePrefix(index, size) {
  const event = eventBody(index);
  if (!size) return prefixOf(event);
  event.additional_info = { recent_access: [], note: '' };
  const bytes = () => Buffer.byteLength(prefixOf(event)) + TAIL_LENGTH;
  if (bytes() > size) throw new Error(`a Genea event is ${bytes()} bytes, more than the ${size} asked for`);
  const entryBytes = JSON.stringify(historyEntry(0)).length + 1;
  while (bytes() + entryBytes <= size) {
    event.additional_info.recent_access.push(historyEntry(event.additional_info.recent_access.length));
  }
  event.additional_info.note = 'x'.repeat(size - bytes());
  return prefixOf(event);
}

function keyBlocks(secret) {
  let key = Buffer.from(secret, 'utf8');
  if (key.length > BLOCK) key = crypto.createHash('sha1').update(key).digest();
  const inner = Buffer.alloc(BLOCK, 0x36);
  const outer = Buffer.alloc(BLOCK, 0x5c);
  for (let i = 0; i < key.length; i++) {
    inner[i] ^= key[i];
    outer[i] ^= key[i];
  }
  return { inner, outer };
}

/**
 * A source of signed deliveries: `next()` gives `{ body, signature }` with a uuid never issued before.
 * `size` 0: the natural events (about 1.2 KB, varied kinds); otherwise every body is exactly `size` bytes.
 */
function signedEvents(secret, { size = 0 } = {}) {
  const blocks = keyBlocks(secret);
  const templates = (size ? [0] : Array.from({ length: TEMPLATES }, (_, i) => i)).map((i) => {
    const prefix = Buffer.from(templatePrefix(i, size), 'utf8');
    return { prefix, inner: crypto.createHash('sha1').update(blocks.inner).update(prefix) };
  });
  let count = 0;
  const next = () => {
    const template = templates[count++ % templates.length];
    const tail = Buffer.from(`${uuidFrom(RUN_SEED, issued++)}"}`, 'latin1');
    const innerDigest = template.inner.copy().update(tail).digest();
    const hmac = crypto.createHash('sha1').update(blocks.outer).update(innerDigest).digest('hex');
    return { body: Buffer.concat([template.prefix, tail]), signature: `sha1=${hmac}` };
  };
  // The shortcut must agree with Node's own HMAC, or every request would be rejected for the wrong reason.
  const probe = next();
  const expected = `sha1=${crypto.createHmac('sha1', secret).update(probe.body).digest('hex')}`;
  if (probe.signature !== expected) throw new Error('bench signing disagrees with crypto.createHmac');
  JSON.parse(probe.body.toString('utf8'));
  if (size && probe.body.length !== size) throw new Error(`body is ${probe.body.length} bytes, not ${size}`);
  return { next, sent: () => count, bodyBytes: probe.body.length };
}

module.exports = { signedEvents };

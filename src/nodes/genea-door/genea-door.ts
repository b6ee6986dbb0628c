import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { GeneaApiError, isDoorAction, isDoorId, type DoorAction } from '../../lib/genea-api';
import type { GeneaApiNode } from '../genea-api/api-node';

/** The flow-JSON contract of `genea-door`. */
interface GeneaDoorDef extends NodeDef {
  /** Id of a genea-api config node. */
  api?: string;
  /** lock, unlock, quick_unlock, list, or msg (take msg.action). */
  action?: string;
  /** A door uuid; empty: msg.door, else msg.genea.door.uuid. */
  door?: string;
  /** The name of `door` as the dialog's picker listed it, for the status; '' when unknown. */
  doorName?: string;
}

interface DoorMessage extends NodeMessage {
  action?: unknown;
  door?: unknown;
  genea?: { door?: { uuid?: unknown } | null } | null;
}

const FROM_MESSAGE = 'msg';

/** A failed message, for Catch nodes: its text is the whole story (no "Error: " in front of it). */
class DoorFailure extends Error {
  override name = 'GeneaDoorError';
  override toString(): string {
    return this.message;
  }
}

function clock(): string {
  return new Date().toTimeString().slice(0, 8);
}

/** Genea's errors whose fix is on the user's side of the request, and so get a hint. */
const HINTED = new Set(['key', 'not-found', 'rate-limited', 'unreachable', 'bad-answer']);
/** Status texts longer than this are cut (the whole text is in the error). */
const STATUS_LENGTH = 60;

/** How much of a value that is not a door uuid an error shows. */
const SHOWN_LENGTH = 40;

/** A value for an error text: its type and a short rendering, e.g. `number 42` or `object {"uuid":"x"}`. */
function shown(value: unknown): string {
  const type = value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value;
  if (type === 'undefined') return type;
  let text: string;
  try {
    text = JSON.stringify(value) ?? String(value);
  } catch {
    text = typeof value === 'bigint' ? `${value}n` : Object.prototype.toString.call(value);
  }
  return `${type} ${text.length > SHOWN_LENGTH ? `${text.slice(0, SHOWN_LENGTH - 1)}…` : text}`;
}

/**
 * The door a message is for: the node's own, else msg.door when msg has one (a present msg.door that is not a
 * non-empty string is refused, never replaced by the event's door), else msg.genea.door.uuid. A door key set to
 * undefined is present: `msg.door = flow.get('x')` with nothing stored names a door, just not which one.
 */
function doorOf(configured: string, msg: DoorMessage): { door: unknown } | { badMsgDoor: string } {
  if (configured !== '') return { door: configured };
  if (Object.hasOwn(msg, 'door')) {
    const given = typeof msg.door === 'string' ? msg.door.trim() : '';
    return given === '' ? { badMsgDoor: shown(msg.door) } : { door: given };
  }
  const uuid = msg.genea?.door?.uuid;
  return { door: typeof uuid === 'string' ? uuid.trim() : (uuid ?? '') };
}

export = function registerGeneaDoor(RED: NodeAPI): void {
  const t = (key: string, values?: Record<string, string | number>): string => RED._(`genea-door.${key}`, values);

  /** What failed, for Catch nodes, the status and the log: action, door, HTTP status and Genea's reason. */
  function describeFailure(action: DoorAction, door: string, err: unknown): { text: string; short: string } {
    const target = action === 'list' ? 'list' : `${action} ${door}`;
    if (!(err instanceof GeneaApiError)) {
      return { text: t('errors.failed', { target, detail: t('errors.unexpected') }), short: target };
    }
    const hints: string[] = [];
    if (HINTED.has(err.kind)) hints.push(t(`errors.hint.${err.kind}`));
    if (err.attempts > 1) hints.push(t(err.inVerification ? 'errors.hint.verify-retried' : 'errors.hint.retried'));
    if (action === 'quick_unlock' && err.kind !== 'refused') {
      // A quick grant is never repeated: say whether it may still have opened the door (only if it was sent).
      hints.push(t(err.mayHaveArrived ? 'errors.hint.quick-maybe-sent' : 'errors.hint.quick-not-sent'));
    }
    const reason = err.inVerification ? t('errors.verification', { detail: err.message }) : err.message;
    const detail = [reason, ...hints].join(' – ');
    const short = `${target}: ${reason}`;
    return {
      text: t('errors.failed', { target, detail }),
      short: short.length > STATUS_LENGTH ? `${short.slice(0, STATUS_LENGTH - 1)}…` : short,
    };
  }

  function GeneaDoor(this: Node, def: GeneaDoorDef): void {
    RED.nodes.createNode(this, def);
    const api = typeof def.api === 'string' ? (RED.nodes.getNode(def.api) as GeneaApiNode | null) : null;
    const action = typeof def.action === 'string' ? def.action : '';
    const door = typeof def.door === 'string' ? def.door.trim() : '';
    const doorName = typeof def.doorName === 'string' ? def.doorName.trim() : '';
    /** The node's own door by its name in the status; any other door by its uuid. */
    const shownDoor = (id: string): string => (id === door && doorName !== '' ? doorName : id);
    const settingError =
      action !== FROM_MESSAGE && !isDoorAction(action)
        ? t('errors.bad-action-setting', { value: action })
        : door !== '' && !isDoorId(door)
          ? t('errors.bad-door-setting', { value: door })
          : null;
    if (settingError) {
      this.error(settingError);
      this.status({ fill: 'red', shape: 'ring', text: t('status.bad-setting') });
    } else if (!api) {
      this.status({ fill: 'red', shape: 'ring', text: t('status.no-api') });
    }

    this.on('input', (msg: DoorMessage, send, done) => {
      const refuse = (text: string): void => {
        this.status({ fill: 'red', shape: 'ring', text: t('status.not-sent') });
        done(new DoorFailure(text));
      };
      if (settingError) return refuse(settingError);
      const wanted = action === FROM_MESSAGE ? msg.action : action;
      if (!isDoorAction(wanted)) {
        return refuse(t('errors.bad-action', { value: JSON.stringify(wanted) ?? '—' }));
      }
      const chosen = wanted === 'list' ? { door: '' } : doorOf(door, msg);
      if ('badMsgDoor' in chosen) return refuse(t('errors.bad-msg-door', { action: wanted, value: chosen.badMsgDoor }));
      const target = chosen.door;
      if (wanted !== 'list' && target === '') return refuse(t('errors.no-door', { action: wanted }));
      if (wanted !== 'list' && !isDoorId(target)) {
        return refuse(t('errors.bad-door', { action: wanted, value: JSON.stringify(target) ?? String(target) }));
      }
      const doorId = target as string;
      const what = wanted === 'list' ? 'list' : `${wanted} ${doorId}`;
      if (!api) return refuse(t('errors.no-api', { target: what }));
      const client = api.client;
      if (!client) return refuse(t(`errors.api-${api.problem ?? 'no-key'}`, { target: what }));

      const label = wanted === 'list' ? t('status.listing') : `${wanted} ${shownDoor(doorId)}`;
      this.status({ fill: 'blue', shape: 'ring', text: `${label} …` });
      const request: Promise<unknown> =
        wanted === 'list'
          ? client.listDoors()
          : client.command(doorId, wanted).then((result) => ({ door: doorId, action: wanted, ...result }));
      request.then(
        (payload) => {
          msg.payload = payload;
          const text =
            wanted === 'list'
              ? t('status.listed', { count: (payload as unknown[]).length, time: clock() })
              : t(`status.done.${wanted}`, { door: shownDoor(doorId), time: clock() });
          this.status({ fill: 'green', shape: 'dot', text });
          send(msg);
          done();
        },
        (err: unknown) => {
          const failure = describeFailure(wanted, doorId, err);
          this.status({ fill: 'red', shape: 'dot', text: failure.short });
          done(new DoorFailure(failure.text));
        },
      );
    });
  }

  RED.nodes.registerType('genea-door', GeneaDoor);
};

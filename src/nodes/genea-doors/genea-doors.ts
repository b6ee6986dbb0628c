import type { Node, NodeAPI, NodeDef, NodeMessage, NodeMessageInFlow } from 'node-red';
import {
  countDoors,
  DEFAULT_REFRESH_MINUTES,
  DoorStates,
  refreshMinutes,
  type DoorChange,
  type DoorState,
} from '../../lib/door-state';
import { summariseMessage } from '../../lib/event';
import type { GeneaApiNode } from '../genea-api/api-node';

/** The flow-JSON contract of `genea-doors`. */
interface GeneaDoorsDef extends NodeDef {
  /** Id of a genea-api config node. */
  api?: string;
  /** Minutes between listings; 0: only at start and on request. Default 5. */
  refreshMinutes?: number | string;
}

/** The doors of one node, kept across a redeploy of it (as the receiver keeps its duplicate window). */
interface DoorStore {
  states: DoorStates;
  /** Whether a listing has been applied: the first one is the initial state and sends no change messages. */
  listed: boolean;
}
const stores = new Map<string, DoorStore>();

/** A listing that failed, for Catch nodes: its text is the whole story. */
class ListingFailure extends Error {
  override name = 'GeneaDoorsError';
  override toString(): string {
    return this.message;
  }
}

const copy = (state: DoorState | null): DoorState | null => (state === null ? null : { ...state });

export = function registerGeneaDoors(RED: NodeAPI): void {
  const t = (key: string, values?: Record<string, string | number>): string => RED._(`genea-doors.${key}`, values);

  function GeneaDoors(this: Node, def: GeneaDoorsDef): void {
    RED.nodes.createNode(this, def);
    const api = typeof def.api === 'string' ? (RED.nodes.getNode(def.api) as GeneaApiNode | null) : null;
    let minutes = refreshMinutes(def.refreshMinutes);
    if (minutes === null) {
      this.warn(t('errors.bad-refresh', { value: String(def.refreshMinutes), fallback: DEFAULT_REFRESH_MINUTES }));
      minutes = DEFAULT_REFRESH_MINUTES;
    }
    let store = stores.get(this.id);
    if (!store) {
      store = { states: new DoorStates(), listed: false };
      stores.set(this.id, store);
    }
    const { states } = store;
    let closed = false;

    const showSummary = (): void => {
      const counts = countDoors(states.all());
      const parts = [t('status.doors', { count: counts.doors })];
      for (const part of ['unlocked', 'offline', 'alarm'] as const) {
        if (counts[part] > 0) parts.push(t(`status.${part}`, { count: counts[part] }));
      }
      const fill = counts.alarm > 0 ? 'red' : counts.offline > 0 || counts.unlocked > 0 ? 'yellow' : 'green';
      this.status({ fill, shape: 'dot', text: parts.join(' · ') });
    };

    const changeMessage = (change: DoorChange, msg: NodeMessage = {}): NodeMessage =>
      Object.assign(msg, {
        topic: change.uuid,
        payload: copy(change.state),
        previous: copy(change.previous),
        changed: [...change.changed],
      });

    /**
     * Lists every door, sends a message per door that differs, then the whole state; `msg` carries the latter.
     * `fresh`: a new listing, not one the config node kept from a moment ago (the start shares that one).
     */
    const refresh = (msg: NodeMessage | null, fresh: boolean, done: (err?: Error) => void): void => {
      if (!api) {
        this.status({ fill: 'red', shape: 'ring', text: t('status.no-api') });
        return done(new ListingFailure(t('errors.no-api')));
      }
      this.status({ fill: 'blue', shape: 'ring', text: t('status.listing') });
      api.listing(fresh).then(
        ({ doors, locations }) => {
          if (closed) return done();
          const changes = states.applyList(doors, locations);
          if (store.listed) for (const change of changes) this.send([changeMessage(change), null]);
          store.listed = true;
          const whole = Object.assign(msg ?? {}, {
            topic: 'doors',
            payload: states.all().map((state) => ({ ...state })),
          });
          this.send([null, whole]);
          showSummary();
          done();
        },
        (err: unknown) => {
          if (closed) return done();
          const detail = err instanceof Error ? err.message : String(err);
          this.status({ fill: 'red', shape: 'ring', text: t('status.failed', { count: states.size }) });
          done(new ListingFailure(t('errors.listing', { detail, count: states.size })));
        },
      );
    };
    /** A refresh no message asked for: its failure goes to Catch nodes with an empty message. */
    const refreshUnasked = (fresh: boolean): void =>
      refresh(null, fresh, (err) => {
        if (err) this.error(err.message, {});
      });

    this.on('input', (msg: NodeMessageInFlow, send, done) => {
      const summary = summariseMessage(msg);
      if (summary === null) return refresh(msg, true, (err) => (err ? done(err) : done()));
      const [change] = states.applyEvent(summary);
      if (change) {
        send([changeMessage(change, msg), null]);
        showSummary();
      }
      done();
    });

    const timer = minutes > 0 ? setInterval(() => refreshUnasked(true), minutes * 60_000) : null;
    // After every node of the flow has started, so that a Catch node hears a failure of the first listing.
    const start = setImmediate(() => refreshUnasked(false));

    this.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      clearImmediate(start);
      if (timer) clearInterval(timer);
      if (removed) stores.delete(this.id);
      done();
    });
  }

  RED.nodes.registerType('genea-doors', GeneaDoors);
};

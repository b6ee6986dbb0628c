/**
 * The editor's delivery inspector: each receiver's recent deliveries (src/lib/delivery-log), kept in memory by
 * node id, the admin API that lists, shows, replays and clears them, and the notices through Node-RED's comms
 * that tell the "Genea deliveries" sidebar tab to fetch them again.
 */
import type { NodeAPI, NodeMessage } from 'node-red';
import type { Request, Response } from 'express';
import { DeliveryLog, type DeliveryFacts } from '../../lib/delivery-log';

/**
 * Logs by node id: kept across redeploys like the duplicate windows, dropped when the node is removed or, once
 * flows have started, is not deployed (any more).
 */
const logs = new Map<string, DeliveryLog>();

/**
 * Receivers listening now, by node id: their path, how to send a replayed event on their first output, and who to
 * tell when their list is cleared.
 */
const listening = new Map<string, DeliveryRecorder>();

/** Runtimes whose flow starts prune the logs (one listener per runtime, not one per receiver). */
const pruned = new WeakSet<NodeAPI['events']>();

/** Comms topic prefix; the receiver's node id follows. */
export const DELIVERIES_TOPIC = 'genea-webhook-in/deliveries';
/**
 * Changes of one receiver's list reach the editors as at most one notice per this interval. A notice carries the
 * receiver's id and nothing else: comms reaches every connected editor whatever its user may read, so the list
 * is fetched through the admin API, which asks for `genea-webhook-in.read`.
 */
const PUBLISH_INTERVAL_MS = 250;

/** Errors of the admin API; the editor shows `genea-webhook-in.deliveries.errors.<code>` in the user's language. */
type InspectorError = 'unknown-receiver' | 'unknown-delivery' | 'rejected' | 'not-kept' | 'not-listening' | 'closing';

function overview(id: string, log: DeliveryLog): object {
  const receiver = listening.get(id);
  return { id, path: receiver?.url ?? null, listening: receiver !== undefined, counts: { ...log.counts } };
}

/** What one receiver node records, from its first start until it is removed. */
export class DeliveryRecorder {
  /** Set once the receiver listens: one that never did has nothing to show. */
  private log: DeliveryLog | undefined;
  private publishTimer: NodeJS.Timeout | undefined;
  /** Where the receiver listens, and how it hands a replayed event on (set by `listen`). */
  url = '';
  replay: (message: () => NodeMessage) => Promise<boolean> = () => Promise.resolve(false);
  private clearListener: (() => void) | undefined;

  constructor(
    private readonly RED: NodeAPI,
    private readonly id: string,
  ) {}

  /** Called once the receiver listens on `url`; `replay` hands a message on like a delivery (see `handOn`). */
  listen(url: string, replay: (message: () => NodeMessage) => Promise<boolean>): void {
    this.log = logs.get(this.id);
    if (!this.log) logs.set(this.id, (this.log = new DeliveryLog()));
    this.url = url;
    this.replay = replay;
    listening.set(this.id, this);
    publishChange(this.RED, this.id);
  }

  /** `listener` is called when a user clears the list, e.g. to reset counts the receiver shows. */
  onClear(listener: () => void): void {
    this.clearListener = listener;
  }

  /** Called by the admin API once the list was cleared. */
  cleared(): void {
    this.clearListener?.();
  }

  /** Records one answered delivery (the body when it was read). */
  record(
    req: Pick<Request, 'method' | 'headers'>,
    ip: string | null,
    answer: DeliveryFacts['answer'],
    body?: Buffer,
  ): void {
    const log = this.log;
    if (!log) return;
    log.add({ ip, method: req.method, contentType: req.headers['content-type'], body, answer });
    this.publishTimer ??= setTimeout(() => {
      this.publishTimer = undefined;
      publishChange(this.RED, this.id);
    }, PUBLISH_INTERVAL_MS);
  }

  /** Stops this instance; `removed`: the node is gone, and so is what it recorded. */
  close(removed: boolean): void {
    clearTimeout(this.publishTimer);
    this.publishTimer = undefined;
    if (listening.get(this.id) === this) listening.delete(this.id);
    if (removed) forget(this.RED, this.id);
  }
}

/** Tells every editor that receiver `id`'s list or counts changed, and nothing else (see PUBLISH_INTERVAL_MS). */
function publishChange(RED: NodeAPI, id: string): void {
  RED.comms.publish(`${DELIVERIES_TOPIC}/${id}`, { id }, false);
}

function forget(RED: NodeAPI, id: string): void {
  logs.delete(id);
  RED.comms.publish(`${DELIVERIES_TOPIC}/${id}`, { id, removed: true }, false);
}

/**
 * Once flows have started, drops the logs of receivers that are not deployed: a stop of all flows (or a node
 * gone without being told it was removed) must not leave a closed receiver in the list for good.
 */
function pruneOnStart(RED: NodeAPI): void {
  if (pruned.has(RED.events)) return;
  pruned.add(RED.events);
  RED.events.on('flows:started', () => {
    for (const id of [...logs.keys()]) if (!RED.nodes.getNode(id)) forget(RED, id);
  });
}

export function registerDeliveryInspector(RED: NodeAPI): void {
  pruneOnStart(RED);
  const read = RED.auth.needsPermission('genea-webhook-in.read');
  const write = RED.auth.needsPermission('genea-webhook-in.write');
  const fail = (res: Response, status: number, error: InspectorError): void => {
    res.status(status).json({ error, message: RED._(`genea-webhook-in.deliveries.errors.${error}`) });
  };
  /** The log of the receiver the route names, or `undefined` once the 404 is sent. */
  const logOf = (req: Request<{ id: string }>, res: Response): DeliveryLog | undefined => {
    const log = logs.get(req.params.id);
    if (!log) fail(res, 404, 'unknown-receiver');
    return log;
  };
  type DeliveryRequest = Request<{ id: string; delivery: string }>;

  RED.httpAdmin.get('/genea-webhook-in/deliveries', read, (_req: Request, res: Response) => {
    res.json([...logs].map(([id, log]) => overview(id, log)));
  });

  RED.httpAdmin.get('/genea-webhook-in/:id/deliveries', read, (req: Request<{ id: string }>, res: Response) => {
    const log = logOf(req, res);
    if (log) res.json(log.list());
  });

  RED.httpAdmin.get('/genea-webhook-in/:id/deliveries/:delivery', read, (req: DeliveryRequest, res: Response) => {
    const log = logOf(req, res);
    if (!log) return;
    const detail = log.detail(req.params.delivery);
    if (detail) res.json(detail);
    else fail(res, 404, 'unknown-delivery');
  });

  RED.httpAdmin.post(
    '/genea-webhook-in/:id/deliveries/:delivery/replay',
    write,
    (req: DeliveryRequest, res: Response) => {
      const log = logOf(req, res);
      if (!log) return;
      const found = log.replayable(req.params.delivery);
      if (!found.ok) {
        const status = { unknown: 404, rejected: 409, 'not-kept': 410 }[found.problem];
        return fail(res, status, found.problem === 'unknown' ? 'unknown-delivery' : found.problem);
      }
      const receiver = listening.get(req.params.id);
      if (!receiver) return fail(res, 409, 'not-listening');
      // A copy each time: a node that gets the replay after a deploy sees it as the others did.
      const message = (): NodeMessage => ({
        topic: found.summary.type,
        payload: structuredClone(found.event),
        genea: structuredClone(found.summary),
        replay: true,
      });
      void receiver.replay(message).then((delivered) => {
        if (!delivered) return fail(res, 503, 'closing');
        const record = log.replayed(req.params.delivery);
        publishChange(RED, req.params.id);
        // Cleared meanwhile: the replay happened, its record is gone.
        res.json(record ?? { id: req.params.delivery });
      });
    },
  );

  const clear = (req: Request<{ id: string }>, res: Response): void => {
    const log = logOf(req, res);
    if (!log) return;
    log.clear();
    listening.get(req.params.id)?.cleared();
    publishChange(RED, req.params.id);
    res.status(204).end();
  };
  RED.httpAdmin.delete('/genea-webhook-in/:id/deliveries', write, clear);
  RED.httpAdmin.post('/genea-webhook-in/:id/deliveries/clear', write, clear);
}

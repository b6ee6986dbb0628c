/**
 * The editor's delivery inspector: each receiver's recent deliveries (src/lib/delivery-log), kept in memory by
 * node id, the admin API that lists, shows, replays and clears them, and the live updates the "Genea" sidebar
 * tab gets through Node-RED's comms.
 */
import type { NodeAPI, NodeMessage } from 'node-red';
import type { Request, Response } from 'express';
import { DeliveryLog, type DeliveryFacts } from '../../lib/delivery-log';

/** Logs by node id: kept across redeploys like the duplicate windows, dropped when the node is removed. */
const logs = new Map<string, DeliveryLog>();

/** Receivers listening now, by node id: their path, and how to send a replayed event on their first output. */
const listening = new Map<string, { url: string; replay: (message: () => NodeMessage) => Promise<boolean> }>();

/** Comms topic prefix; the receiver's node id follows. */
export const DELIVERIES_TOPIC = 'genea-webhook-in/deliveries';
/** A burst of deliveries reaches the editors as at most this many updates per second and receiver. */
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

  constructor(
    private readonly RED: NodeAPI,
    private readonly id: string,
  ) {}

  /** Called once the receiver listens on `url`; `replay` hands a message on like a delivery (see `handOn`). */
  listen(url: string, replay: (message: () => NodeMessage) => Promise<boolean>): void {
    this.log = logs.get(this.id);
    if (!this.log) logs.set(this.id, (this.log = new DeliveryLog()));
    listening.set(this.id, { url, replay });
    publishDeliveries(this.RED, this.id, this.log);
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
      publishDeliveries(this.RED, this.id, log);
    }, PUBLISH_INTERVAL_MS);
  }

  /** Stops this instance; `removed`: the node is gone, and so is what it recorded. */
  close(removed: boolean): void {
    clearTimeout(this.publishTimer);
    this.publishTimer = undefined;
    listening.delete(this.id);
    if (removed) {
      logs.delete(this.id);
      this.RED.comms.publish(`${DELIVERIES_TOPIC}/${this.id}`, { receiver: { id: this.id }, removed: true }, false);
    }
  }
}

/** Sends every editor the receiver's overview and its whole list: each update replaces the last. */
function publishDeliveries(RED: NodeAPI, id: string, log: DeliveryLog): void {
  RED.comms.publish(`${DELIVERIES_TOPIC}/${id}`, { receiver: overview(id, log), deliveries: log.list() }, false);
}

export function registerDeliveryInspector(RED: NodeAPI): void {
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
        publishDeliveries(RED, req.params.id, log);
        // Cleared meanwhile: the replay happened, its record is gone.
        res.json(record ?? { id: req.params.delivery });
      });
    },
  );

  const clear = (req: Request<{ id: string }>, res: Response): void => {
    const log = logOf(req, res);
    if (!log) return;
    log.clear();
    publishDeliveries(RED, req.params.id, log);
    res.status(204).end();
  };
  RED.httpAdmin.delete('/genea-webhook-in/:id/deliveries', write, clear);
  RED.httpAdmin.post('/genea-webhook-in/:id/deliveries/clear', write, clear);
}

import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { Request, Response } from 'express';
import { DuplicateWindow } from '../../lib/duplicate-window';
import { isJsonContentType, processDelivery, REJECTIONS, SIGNATURE_HEADER, type Rejection } from '../../lib/delivery';
import { readBody } from '../../lib/body-reader';
import { LogThrottle } from '../../lib/log-throttle';
import { clientAddress, SourceAllowList, sourceRejection } from '../../lib/source-allow-list';
import type { GeneaConfigNode } from '../genea-config/config-node';
import { ADMIN_APP_SEGMENTS, claimRoute, rawBodyAvailable, type ClaimRefusal } from './http-route';
import { isReceiverPath, RECEIVER_PATH_PATTERN } from '../../lib/receiver-path';
import { listeningReceivers, registerTestEventEndpoint } from './send-test-event';
import { DeliveryRecorder, registerDeliveryInspector } from './delivery-inspector';
import { SAMPLE_EVENT_TYPES } from '../../lib/sample-events';

/** The flow-JSON contract of `genea-webhook-in`; all but `config` and `url` are optional. */
interface GeneaWebhookInDef extends NodeDef {
  config: string;
  url: string;
  /** Largest accepted body, KiB (default 1024). */
  maxBodyKiB?: number | string;
  /** How long a delivered event is remembered to drop Genea's retries, minutes (default 10; 0 = off). */
  dedupeMinutes?: number | string;
  /** IPs and CIDR ranges allowed to deliver, separated by commas, spaces or new lines; empty = everyone. */
  allowList?: string;
  /** How many reverse proxies in front of Node-RED append to `X-Forwarded-For` (default 0: none, header ignored). */
  trustedProxies?: number | string;
  /** Deliveries whose `event_time` is older are refused, minutes (default 0: off). */
  maxEventAgeMinutes?: number | string;
  /** Node ids wired to each output. */
  wires?: string[][];
}

const DEFAULTS = { maxBodyKiB: 1024, dedupeMinutes: 10, bodyTimeoutMs: 15_000 } as const;
const STATUS_INTERVAL_MS = 250;
const LOG_INTERVAL_MS = 10_000;
/** At most one "matched the previous secret" warning per receiver in this time. */
const ROTATION_LOG_INTERVAL_MS = 15 * 60_000;

/** Duplicate windows by node id: a redeploy keeps the memory of what was already emitted. */
const windows = new Map<string, DuplicateWindow>();

/**
 * Events being handed to the next nodes, by node id and duplicate key, with whether that worked: a copy of
 * one arriving meanwhile gets the same answer. Shared across redeploys like the windows.
 */
const handingOn = new Map<string, Promise<boolean>>();

/** Whether a deploy is between stopping and starting flows, per runtime (subscribed once per events emitter). */
const deploys = new WeakMap<NodeAPI['events'], { restarting: boolean }>();

function deployState(RED: NodeAPI): { restarting: boolean } {
  let state = deploys.get(RED.events);
  if (!state) {
    const tracked = { restarting: false };
    RED.events.on('flows:stopping', () => (tracked.restarting = true));
    RED.events.on('flows:started', () => (tracked.restarting = false));
    deploys.set(RED.events, tracked);
    state = tracked;
  }
  return state;
}

function windowFor(id: string, minutes: number): DuplicateWindow {
  const windowMs = minutes * 60_000;
  let window = windows.get(id);
  if (!window || window.windowMs !== windowMs) {
    window = new DuplicateWindow(windowMs);
    windows.set(id, window);
  }
  return window;
}

function numberOr(value: unknown, fallback: number): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  return typeof n === 'number' && Number.isFinite(n) && n >= 0 ? n : fallback;
}

/** Hours and minutes, local time: short enough for a status under the node. */
function clock(date: Date): string {
  return date.toTimeString().slice(0, 5);
}

export = function registerGeneaWebhookIn(RED: NodeAPI): void {
  function GeneaWebhookIn(this: Node, def: GeneaWebhookInDef): void {
    RED.nodes.createNode(this, def);
    const path = typeof def.url === 'string' && def.url.trim() !== '' ? def.url.trim() : '';
    const url = path.startsWith('/') ? path : `/${path}`;
    const config = RED.nodes.getNode(def.config) as GeneaConfigNode | null;
    const limits = {
      maxBytes: Math.max(1, Math.round(numberOr(def.maxBodyKiB, DEFAULTS.maxBodyKiB) * 1024)),
      timeoutMs: DEFAULTS.bodyTimeoutMs,
    };
    const duplicates = windowFor(this.id, numberOr(def.dedupeMinutes, DEFAULTS.dedupeMinutes));
    const logThrottle = new LogThrottle(LOG_INTERVAL_MS);
    const consumedLogThrottle = new LogThrottle(LOG_INTERVAL_MS);
    const trustedProxies = Math.floor(numberOr(def.trustedProxies, 0));
    const sources = SourceAllowList.parse(typeof def.allowList === 'string' ? def.allowList : '');
    const maxEventAgeMs = numberOr(def.maxEventAgeMinutes, 0) * 60_000;
    let closed = false;

    // Status: what the node last did, drawn at most every STATUS_INTERVAL_MS so a burst costs nothing. Fixed
    // states are catalog keys, which the editor shows in its own language; the activity line
    // ("/genea · access.denied 19:02 · 1 rejected") carries data and is written in the server's language.
    let accepted = 0;
    let rejected = 0;
    let replayed = 0;
    // The last event's type and time, formatted only when the status is drawn.
    let lastAcceptedType = '';
    let lastAcceptedAt = 0;
    let lastWasRejection = false;
    // A key rotation under way: the last accepted delivery matched the previous secret.
    let matchedPrevious = false;
    const rotationLog = new LogThrottle(ROTATION_LOG_INTERVAL_MS);
    const noSecret = (config?.secrets() ?? []).length === 0;
    let statusTimer: NodeJS.Timeout | undefined;
    const drawStatus = (): void => {
      statusTimer = undefined;
      if (closed || !sources.list) return;
      if (noSecret) {
        this.status({ fill: 'red', shape: 'ring', text: 'genea-webhook-in.status.no-secret' });
        return;
      }
      if (accepted === 0 && rejected === 0 && replayed === 0) {
        this.status({ fill: 'green', shape: 'ring', text: 'genea-webhook-in.status.listening' });
        return;
      }
      const parts = [url];
      if (accepted > 0) parts.push(`${lastAcceptedType} ${clock(new Date(lastAcceptedAt))}`);
      if (rejected > 0) parts.push(RED._('genea-webhook-in.status.rejected', { count: rejected }));
      if (replayed > 0) parts.push(RED._('genea-webhook-in.status.replayed', { count: replayed }));
      if (matchedPrevious) parts.push(RED._('genea-webhook-in.status.previous-secret'));
      this.status({
        fill: lastWasRejection || matchedPrevious ? 'yellow' : 'green',
        shape: 'dot',
        text: parts.join(' · '),
      });
    };
    const scheduleStatus = (): void => {
      statusTimer ??= setTimeout(drawStatus, STATUS_INTERVAL_MS);
    };
    /** Tells the user which key Genea signs with while a previous secret is set, so they know when to clear it. */
    const noteSecret = (secretIndex: number): void => {
      if (secretIndex > 0) {
        if (rotationLog.admit() !== null) this.warn(RED._('genea-webhook-in.errors.previous-secret', { path: url }));
      } else if (matchedPrevious) {
        this.log(RED._('genea-webhook-in.errors.current-secret', { path: url }));
      }
      matchedPrevious = secretIndex > 0;
    };

    /** Shows a fixed state (`text` is a catalog key, translated by the editor) and logs why. */
    const stop = (text: string, log: string): void => {
      this.status({ fill: 'red', shape: 'ring', text });
      this.error(log);
    };
    const refuseClaim = (refusal: ClaimRefusal): void => {
      const details = {
        path: url,
        owner: refusal.reason === 'receiver' ? refusal.owner : '',
        route: refusal.reason === 'receiver' ? '' : refusal.route,
      };
      stop(
        `genea-webhook-in.status.path-in-use-${refusal.reason}`,
        RED._(`genea-webhook-in.errors.path-in-use-${refusal.reason}`, details),
      );
    };
    if (RED.settings.httpNodeRoot === false) {
      stop('genea-webhook-in.status.http-disabled', RED._('genea-webhook-in.errors.http-disabled'));
      return;
    }
    if (!isReceiverPath(url)) {
      stop('genea-webhook-in.status.bad-path', RED._('genea-webhook-in.errors.bad-path', { path: url }));
      return;
    }
    if (!config) {
      this.warn(RED._('genea-webhook-in.errors.no-config'));
    } else if (config.secrets().length === 0) {
      this.warn(RED._('genea-webhook-in.errors.no-secret', { path: url }));
    }
    // A broken allow-list keeps the path claimed and fails closed: every request is answered 503.
    if (!sources.list) {
      stop(
        'genea-webhook-in.status.bad-allow-list',
        RED._('genea-webhook-in.errors.bad-allow-list', {
          errors: sources.errors.map((error) => RED._(`genea-webhook-in.allowList.${error.problem}`, error)).join('; '),
        }),
      );
    }

    // Behind trusted proxies the client is the one they name, not the proxy.
    const sourceOf = (req: Request): string | null =>
      clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trustedProxies) ??
      req.socket.remoteAddress ??
      null;

    // What the editor's delivery inspector shows of this receiver (never a secret or a header's value).
    const deliveries = new DeliveryRecorder(RED, this.id);
    // Clear in the sidebar starts the counts the status shows afresh too.
    deliveries.onClear(() => {
      accepted = rejected = replayed = 0;
      lastWasRejection = false;
      scheduleStatus();
    });

    const reject = (req: Request, res: Response, rejection: Rejection, body?: Buffer): void => {
      // A body we did not read in full is not drained: close the connection after the answer.
      answer(res, rejection.status, rejection.reason, !req.complete);
      deliveries.record(req, sourceOf(req), rejection, body);
      rejected++;
      lastWasRejection = true;
      scheduleStatus();
      const heldBack = logThrottle.admit();
      if (heldBack !== null) {
        this.warn(
          RED._('genea-webhook-in.errors.rejected', {
            status: rejection.status,
            reason: rejection.reason,
            ip: sourceOf(req) ?? '?',
          }) + (heldBack > 0 ? ' ' + RED._('genea-webhook-in.errors.held-back', { count: heldBack }) : ''),
        );
      }
      const report: NodeMessage & Record<string, unknown> = {
        topic: 'rejected',
        payload: {
          status: rejection.status,
          reason: rejection.reason,
          method: req.method,
          path: url,
          ip: sourceOf(req),
          time: new Date().toISOString(),
        },
        headers: req.headers,
      };
      this.send([null, report]);
    };

    const nextNodes = def.wires?.[0] ?? [];
    const deploy = deployState(RED);
    /**
     * Sends `msg` on output 1; resolves, once Node-RED has delivered it, to whether every node wired there was
     * running all along. A deploy stops nodes (all of them, or the modified ones) and starts new instances: a
     * message routed to a stopped node is dropped, so it must not be acknowledged.
     */
    const handOn = (msg: NodeMessage): Promise<boolean> => {
      const targets: Array<Node | null | undefined> = nextNodes.map((id) => RED.nodes.getNode(id));
      // A wired node that does not run is being restarted while a deploy is under way, else it is disabled.
      if (deploy.restarting && targets.some((target) => !target)) return Promise.resolve(false);
      this.send([msg, null]);
      // Node-RED delivers on setImmediate (or at once, with runtimeSyncDelivery): this check runs after it.
      return new Promise((resolve) =>
        setImmediate(() => resolve(nextNodes.every((id, i) => !targets[i] || RED.nodes.getNode(id) === targets[i]))),
      );
    };

    const handle = async (req: Request, res: Response): Promise<void> => {
      // Before anything is read: a source that may not deliver learns nothing else.
      if (!sources.list) return reject(req, res, REJECTIONS.badAllowList);
      const forbidden = sourceRejection(
        sources.list,
        req.socket.remoteAddress,
        req.headers['x-forwarded-for'],
        trustedProxies,
      );
      if (forbidden) return reject(req, res, forbidden);
      if (req.method !== 'POST') {
        res.setHeader('Allow', 'POST');
        return reject(req, res, REJECTIONS.methodNotAllowed);
      }
      const secrets = config?.secrets() ?? [];
      if (secrets.length === 0) return reject(req, res, REJECTIONS.noSecret);
      if (!isJsonContentType(req.headers['content-type'])) return reject(req, res, REJECTIONS.unsupportedType);
      if (!rawBodyAvailable(req)) {
        const heldBack = consumedLogThrottle.admit();
        if (heldBack !== null) {
          this.error(
            RED._('genea-webhook-in.errors.raw-body-consumed', { path: url }) +
              (heldBack > 0 ? ' ' + RED._('genea-webhook-in.errors.held-back', { count: heldBack }) : ''),
          );
        }
        return reject(req, res, REJECTIONS.rawBodyUnavailable);
      }
      const body = await readBody(req, limits);
      if (!Buffer.isBuffer(body)) return reject(req, res, body);
      // Acknowledged deliveries must reach the flow; a receiver being replaced lets Genea retry instead.
      if (closed) return reject(req, res, REJECTIONS.closing, body);

      const verdict = processDelivery(body, req.headers[SIGNATURE_HEADER], secrets, duplicates, { maxEventAgeMs });
      if (!verdict.accepted) return reject(req, res, verdict, body);
      const handingKey = `${this.id}\n${verdict.key}`;
      if (verdict.duplicate) {
        // A copy arriving while the first is being handed on gets the first one's answer.
        const first = handingOn.get(handingKey);
        if (first && !(await first)) return reject(req, res, REJECTIONS.closing, body);
        answer(res, 200, verdict.reason, false);
        deliveries.record(req, sourceOf(req), verdict, body);
        lastWasRejection = false;
        return;
      }
      const msg: NodeMessage & Record<string, unknown> = {
        topic: verdict.summary.type,
        payload: verdict.event,
        // A copy: the delivery inspector reads the summary once the flow has had the message.
        genea: { ...verdict.summary },
        headers: req.headers,
      };
      const handedOn = handOn(msg);
      handingOn.set(handingKey, handedOn);
      const delivered = await handedOn;
      handingOn.delete(handingKey);
      if (!delivered) {
        // Nothing was emitted: forget the event, so that Genea's retry of it is.
        duplicates.forget(verdict.key);
        return reject(req, res, REJECTIONS.closing, body);
      }
      // Answered once the next nodes have the message, not when the flow is done: a slow flow must not make
      // Genea retry.
      answer(res, 200, verdict.reason, false);
      deliveries.record(req, sourceOf(req), verdict, body);
      lastWasRejection = false;
      accepted++;
      lastAcceptedType = verdict.summary.type;
      lastAcceptedAt = Date.now();
      noteSecret(verdict.secretIndex);
      scheduleStatus();
    };

    const middleware = RED.settings.httpNodeMiddleware;
    const claim = claimRoute(
      RED.httpNode,
      url,
      (req, res) => {
        handle(req, res).catch((err: unknown) => {
          this.error(RED._('genea-webhook-in.errors.internal', { error: String(err) }));
          if (!res.headersSent) answer(res, 500, 'Internal error', true);
        });
      },
      {
        ownerId: this.id,
        adminApp: RED.settings.httpAdminRoot === false ? undefined : RED.httpAdmin,
        // As core `http in` takes it: a function or an array of them; anything else is ignored.
        middleware: typeof middleware === 'function' || Array.isArray(middleware) ? middleware : undefined,
      },
    );
    if (!claim.ok) {
      refuseClaim(claim);
      return;
    }
    // A node deployed after this one may mount a route of its own on the path: express would split the
    // requests between both, so the receiver gives the path up and says so.
    const checkOtherRoutes = (): void => {
      const other = claim.otherRoute();
      if (other === null || closed) return;
      closed = true;
      claim.release();
      listeningReceivers.delete(this.id);
      deliveries.close(false);
      refuseClaim({ reason: 'route', route: other });
    };
    RED.events.on('flows:started', checkOtherRoutes);
    listeningReceivers.set(this.id, {
      url,
      configId: def.config ?? '',
      secrets: () => config?.secrets() ?? [],
      sources: sources.list,
      trustedProxies,
    });
    // A replay from the inspector is handed on like a delivery, past the duplicate window, and counted.
    deliveries.listen(url, async (msg) => {
      const delivered = await handOn(msg);
      if (delivered) {
        replayed++;
        scheduleStatus();
      }
      return delivered;
    });
    drawStatus();

    this.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      RED.events.removeListener('flows:started', checkOtherRoutes);
      clearTimeout(statusTimer);
      claim.release();
      listeningReceivers.delete(this.id);
      deliveries.close(removed);
      if (removed) windows.delete(this.id);
      done();
    });
  }

  RED.nodes.registerType('genea-webhook-in', GeneaWebhookIn, {
    settings: {
      // The sample event types, for the "Send test event" select in the edit dialog.
      geneaWebhookInSampleEvents: { value: [...SAMPLE_EVENT_TYPES], exportable: true },
      // The one path rule, so that the dialog validates exactly as the runtime does.
      geneaWebhookInPathPattern: { value: RECEIVER_PATH_PATTERN.source, exportable: true },
      // Where the editor's own apps serve, for the dialog to flag a path the runtime would refuse.
      geneaWebhookInAdminPaths: {
        value: { root: RED.settings.httpAdminRoot ?? '/', segments: [...ADMIN_APP_SEGMENTS] },
        exportable: true,
      },
    },
  });
  registerTestEventEndpoint(RED);
  registerDeliveryInspector(RED);
};

function answer(res: Response, status: number, reason: string, closeConnection: boolean): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  if (closeConnection) res.setHeader('Connection', 'close');
  res.end(reason);
}

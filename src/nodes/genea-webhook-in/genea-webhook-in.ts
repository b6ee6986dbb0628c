import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import type { Request, Response } from 'express';
import { MemoryClaimStore, type ClaimStore } from '../../lib/claim-store';
import {
  asDuplicate,
  bodyText,
  isJsonContentType,
  processDelivery,
  REJECTIONS,
  SIGNATURE_HEADER,
  type AcceptedVerdict,
  type Rejection,
} from '../../lib/delivery';
import { readBody } from '../../lib/body-reader';
import { LogThrottle } from '../../lib/log-throttle';
import { clientAddress, SourceAllowList, sourceRejection } from '../../lib/source-allow-list';
import type { GeneaConfigNode } from '../genea-config/config-node';
import { ADMIN_APP_SEGMENTS, claimRoute, rawBodyAvailable, type ClaimRefusal } from './http-route';
import { isReceiverPath, RECEIVER_PATH_PATTERN } from '../../lib/receiver-path';
import { listeningReceivers, registerTestEventEndpoint } from './send-test-event';
import { DeliveryRecorder, registerDeliveryInspector } from './delivery-inspector';
import { SAMPLE_EVENT_TYPES } from '../../lib/sample-events';
import { summarise, type GeneaEvent } from '../../lib/event';
import {
  CONNECTING,
  SharedStateUnavailableError,
  unavailableStore,
  type ConnectionState,
} from '../../lib/redis-claim-store';
import type { GeneaRedisNode } from '../genea-redis/redis-node';

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
  /** A genea-redis config node: the duplicate window lives in Redis, shared by replicas (default: in this process). */
  redis?: string;
  /** Node ids wired to each output. */
  wires?: string[][];
}

const DEFAULTS = { maxBodyKiB: 1024, dedupeMinutes: 10, bodyTimeoutMs: 15_000 } as const;
const STATUS_INTERVAL_MS = 250;
const LOG_INTERVAL_MS = 10_000;
/** At most one "matched the previous secret" warning per receiver in this time. */
const ROTATION_LOG_INTERVAL_MS = 15 * 60_000;
/** At most one "shared state unavailable" log line per receiver in this time (the status says it at once). */
const SHARED_STATE_LOG_INTERVAL_MS = 60_000;
/** Longest Redis reason shown in the status under the node. */
const STATUS_REASON_CHARS = 60;

/**
 * The in-process duplicate windows by node id: a redeploy keeps the memory of what was already emitted,
 * whatever the window's settings become (claims are checked against the window in force).
 */
const memoryStores = new Map<string, MemoryClaimStore>();

/**
 * Events being handed to the next nodes, by node id and duplicate key, with whether that worked: a copy of
 * one arriving meanwhile gets the same answer. Shared across redeploys like the windows.
 */
const handingOn = new Map<string, Promise<boolean>>();

/** A message for a wired node that was being replaced when the others had it, handed over once it runs again. */
interface Redelivery {
  readonly nodeId: string;
  readonly message: () => NodeMessage;
}

/** What every receiver of one runtime shares about deploys (one listener per event, however many receivers). */
interface DeployState {
  /** A deploy is between stopping and starting flows. */
  restarting: boolean;
  /** Run once the flows have started: each receiver's check that nobody else mounted its path. */
  readonly afterStart: Set<() => void>;
  readonly redeliveries: Redelivery[];
}

const deploys = new WeakMap<NodeAPI['events'], DeployState>();

function deployState(RED: NodeAPI): DeployState {
  let state = deploys.get(RED.events);
  if (!state) {
    const tracked: DeployState = { restarting: false, afterStart: new Set(), redeliveries: [] };
    RED.events.on('flows:stopping', () => (tracked.restarting = true));
    RED.events.on('flows:started', () => {
      tracked.restarting = false;
      for (const { nodeId, message } of tracked.redeliveries.splice(0)) RED.nodes.getNode(nodeId)?.receive(message());
      for (const check of tracked.afterStart) check();
    });
    deploys.set(RED.events, tracked);
    state = tracked;
  }
  return state;
}

function memoryStoreFor(id: string): MemoryClaimStore {
  let store = memoryStores.get(id);
  if (!store) {
    store = new MemoryClaimStore();
    memoryStores.set(id, store);
  }
  return store;
}

/** How a message handed to the next nodes fared. */
interface HandOff {
  /** At least one wired node had it (or none is wired): the event counts as emitted. */
  readonly received: boolean;
  /** Wired nodes that a deploy replaced between sending and delivery: they did not get it. */
  readonly missed: readonly string[];
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
    const windowMs = numberOr(def.dedupeMinutes, DEFAULTS.dedupeMinutes) * 60_000;
    const redisId = typeof def.redis === 'string' ? def.redis.trim() : '';
    const shared = redisId === '' ? null : (RED.nodes.getNode(redisId) as GeneaRedisNode | null);
    // With shared state, keys are prefix + this node's id + ':' + event key: replicas run the same flow.
    const claims: ClaimStore =
      redisId === ''
        ? memoryStoreFor(this.id)
        : shared?.type === 'genea-redis'
          ? shared.claimStore(`${this.id}:`)
          : unavailableStore(RED._('genea-webhook-in.errors.no-shared-state', { id: redisId }));
    /** Why the shared state cannot answer now (null while it can, or with none configured). */
    let sharedStateDown: string | null = null;
    const sharedStateLog = new LogThrottle(SHARED_STATE_LOG_INTERVAL_MS);
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
      if (sharedStateDown !== null) {
        const reason = sharedStateDown.slice(0, STATUS_REASON_CHARS);
        this.status({ fill: 'red', shape: 'ring', text: RED._('genea-webhook-in.status.shared-state', { reason }) });
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

    /** Notes that the shared state could not answer: red status at once, one log line a minute at most. */
    const sharedStateFailed = (err: unknown): void => {
      const reason = err instanceof SharedStateUnavailableError ? err.reason : String(err);
      if (sharedStateDown === null || sharedStateDown !== reason) {
        sharedStateDown = reason;
        scheduleStatus();
      }
      if (sharedStateLog.admit() !== null) {
        this.warn(RED._('genea-webhook-in.errors.shared-state', { path: url, reason }));
      }
    };
    if (redisId !== '' && shared?.type === 'genea-redis') {
      const stopWatching = shared.watchState((state: ConnectionState) => {
        if (state.ready) {
          if (sharedStateDown !== null) {
            sharedStateDown = null;
            scheduleStatus();
          }
        } else if (state !== CONNECTING) {
          sharedStateFailed(new SharedStateUnavailableError(state.reason));
        }
      });
      this.on('close', () => stopWatching());
    } else if (redisId !== '') {
      sharedStateFailed(
        new SharedStateUnavailableError(RED._('genea-webhook-in.errors.no-shared-state', { id: redisId })),
      );
    }
    /** Releases a claim; a release Redis cannot take is logged (the claim then lasts its window). */
    const release = async (key: string, token: string, uuid: string | null): Promise<void> => {
      try {
        await claims.release(key, token);
      } catch (err) {
        sharedStateFailed(err);
        this.error(
          RED._('genea-webhook-in.errors.release-failed', {
            uuid: (uuid ?? '?').slice(0, 80),
            reason: err instanceof Error ? err.message : String(err),
          }),
        );
      }
    };

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
     * Sends the message `make` builds on output 1 and resolves, once Node-RED has delivered it, to who had it.
     * A deploy stops nodes (all of them, or the modified ones) and starts new instances; a message routed to a
     * node stopped before delivery is dropped. When nobody had it, the event was not emitted. When some had it,
     * it was: the others get it once their new instance runs, so no wired node gets it twice or never.
     */
    const handOn = (make: () => NodeMessage): Promise<HandOff> => {
      const targets: Array<Node | null | undefined> = nextNodes.map((id) => RED.nodes.getNode(id));
      // A wired node that does not run is being restarted while a deploy is under way, else it is disabled.
      if (deploy.restarting && targets.some((target) => !target))
        return Promise.resolve({ received: false, missed: [] });
      this.send([make(), null]);
      // Node-RED delivers on setImmediate (or at once, with runtimeSyncDelivery): this check runs after it.
      return new Promise((resolve) =>
        setImmediate(() => {
          let running = 0;
          const missed: string[] = [];
          nextNodes.forEach((id, i) => {
            if (!targets[i]) return;
            running++;
            if (RED.nodes.getNode(id) !== targets[i]) missed.push(id);
          });
          const received = running === 0 || missed.length < running;
          if (received) {
            for (const nodeId of missed) {
              // The deploy may be over already: then the new instance runs and gets it now.
              if (deploy.restarting) deploy.redeliveries.push({ nodeId, message: make });
              else RED.nodes.getNode(nodeId)?.receive(make());
            }
          }
          resolve({ received, missed });
        }),
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

      const verdict = processDelivery(body, req.headers[SIGNATURE_HEADER], secrets, { maxEventAgeMs });
      if (!verdict.accepted) return reject(req, res, verdict, body);
      const handingKey = `${this.id}\n${verdict.key}`;
      let token: string | null;
      try {
        token = await claims.claim(verdict.key, windowMs);
      } catch (err) {
        // Never a decision of this process alone: that would emit what another replica already did.
        sharedStateFailed(err);
        return reject(req, res, REJECTIONS.sharedState, body);
      }
      if (sharedStateDown !== null) {
        sharedStateDown = null;
        scheduleStatus();
      }
      if (token === null) {
        // A copy arriving while the first is being handed on gets the first one's answer.
        const first = handingOn.get(handingKey);
        if (first && !(await first)) return reject(req, res, REJECTIONS.closing, body);
        const duplicate = asDuplicate(verdict);
        answer(res, 200, duplicate.reason, false);
        deliveries.record(req, sourceOf(req), duplicate, body);
        lastWasRejection = false;
        return;
      }
      if (closed) {
        // Replaced while claiming: the new instance answers Genea's retry.
        await release(verdict.key, token, verdict.summary.uuid);
        return reject(req, res, REJECTIONS.closing, body);
      }
      const handedOn = handOn(messagesOf(verdict, body, req));
      const delivered = handedOn.then((handOff) => handOff.received);
      handingOn.set(handingKey, delivered);
      const { received, missed } = await handedOn;
      handingOn.delete(handingKey);
      if (!received) {
        // Nothing was emitted: release the claim, so that Genea's retry of the event is.
        await release(verdict.key, token, verdict.summary.uuid);
        return reject(req, res, REJECTIONS.closing, body);
      }
      if (missed.length > 0) {
        const uuid = String(verdict.summary.uuid ?? '?').slice(0, 80);
        this.log(RED._('genea-webhook-in.errors.redelivery', { uuid, nodes: missed.join(', ') }));
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
    deploy.afterStart.add(checkOtherRoutes);
    listeningReceivers.set(this.id, {
      url,
      configId: def.config ?? '',
      secrets: () => config?.secrets() ?? [],
      sources: sources.list,
      trustedProxies,
    });
    // A replay from the inspector is handed on like a delivery, past the duplicate window, and counted.
    deliveries.listen(url, async (make) => {
      const { received } = await handOn(make);
      if (received) {
        replayed++;
        scheduleStatus();
      }
      return received;
    });
    drawStatus();

    this.on('close', (removed: boolean, done: () => void) => {
      closed = true;
      deploy.afterStart.delete(checkOtherRoutes);
      clearTimeout(statusTimer);
      claim.release();
      listeningReceivers.delete(this.id);
      deliveries.close(removed);
      if (removed) memoryStores.delete(this.id);
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

/**
 * The messages for an accepted event: the first carries the event as parsed; each later one (for a node that
 * gets it after a deploy) is parsed anew from the raw bytes, so it shows the event as sent, not as an earlier
 * node may have changed it.
 */
function messagesOf(verdict: AcceptedVerdict, body: Buffer, req: Request): () => NodeMessage {
  let parsed: AcceptedVerdict['event'] | null = verdict.event;
  return () => {
    // The bytes parsed as a JSON object once already.
    const event = parsed ?? (JSON.parse(bodyText(body)) as GeneaEvent);
    const genea = parsed ? { ...verdict.summary } : summarise(event);
    parsed = null;
    return { topic: verdict.summary.type, payload: event, genea, headers: req.headers };
  };
}

function answer(res: Response, status: number, reason: string, closeConnection: boolean): void {
  res.statusCode = status;
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.setHeader('Cache-Control', 'no-store');
  if (closeConnection) res.setHeader('Connection', 'close');
  res.end(reason);
}

/**
 * The editor's "Send test event" button: an admin endpoint that signs a sample event with a deployed
 * receiver's own secret and POSTs it over real HTTP(S) to that receiver on this Node-RED, so the event
 * takes the same path as Genea's deliveries (body reservation, signature check, duplicate window, flow).
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { isIP } from 'node:net';
import type { NodeAPI } from 'node-red';
import type { Request, Response } from 'express';
import { sampleEvent, SAMPLE_EVENT_TYPES, type SampleEventType } from '../../lib/sample-events';
import { signBody } from '../../lib/signature';
import type { SourceAllowList } from '../../lib/source-allow-list';

/** What the endpoint needs of a receiver that is deployed and listening. */
export interface ListeningReceiver {
  /** The receiver's path below httpNodeRoot, e.g. `/genea`. */
  readonly url: string;
  /** The id of its genea-config node ('' when none is chosen). */
  readonly configId: string;
  /** Its secrets, current first; empty when none is set. */
  secrets(): string[];
  /** Its source allow-list (null when invalid: it answers 503) and proxy hops: a test must get past them. */
  readonly sources: SourceAllowList | null;
  readonly trustedProxies: number;
}

/** Receivers listening right now, by node id: kept by the receiver nodes, read by the endpoint. */
export const listeningReceivers = new Map<string, ListeningReceiver>();

/** The request the editor sends: the event type, and the dialog's path and config to detect undeployed edits. */
interface TestEventRequest {
  event?: unknown;
  url?: unknown;
  config?: unknown;
}

/** Errors of the endpoint itself; the editor shows `genea-webhook-in.test.errors.<code>` in the user's language. */
type TestEventError =
  | 'unknown-event'
  | 'not-deployed'
  | 'not-listening'
  | 'undeployed-changes'
  | 'no-secret'
  | 'unreachable'
  | 'guard-node-auth'
  | 'guard-proxies'
  | 'guard-allow-list';

const LOOPBACK_TIMEOUT_MS = 10_000;

function isSampleEventType(value: unknown): value is SampleEventType {
  return typeof value === 'string' && (SAMPLE_EVENT_TYPES as readonly string[]).includes(value);
}

const LOOPBACK = /^(?:127\.\d+\.\d+\.\d+|::1|localhost)$/i;

/**
 * Whether the test's TLS connection checks the server's certificate: always, but over loopback, where the
 * server is this Node-RED itself and its certificate names its public host, not 127.0.0.1.
 */
export function verifiesCertificate(host: string): boolean {
  return !LOOPBACK.test(host);
}

interface Target {
  secure: boolean;
  host: string;
  port: number;
  path: string;
}

/** Where this Node-RED's httpNode listens, seen from the same machine. */
function loopbackTarget(RED: NodeAPI, url: string): Target {
  const settings = RED.settings;
  const uiHost = typeof settings.uiHost === 'string' ? settings.uiHost : '';
  // A wildcard bind address is not a destination: reach it through the loopback interface.
  const host = uiHost === '' || uiHost === '0.0.0.0' ? '127.0.0.1' : uiHost === '::' ? '::1' : uiHost;
  const root = typeof settings.httpNodeRoot === 'string' ? settings.httpNodeRoot : '/';
  return {
    secure: Boolean(settings.https),
    host,
    port: Number(settings.uiPort) || 1880,
    path: `/${root}/${url}`.replace(/\/{2,}/g, '/'),
  };
}

/** POSTs `body` to the receiver; resolves with its status and plain-text reason. */
function post(target: Target, body: string, signature: string): Promise<{ status: number; reason: string }> {
  const headers: http.OutgoingHttpHeaders = {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(body),
    'X-Sequr-Signature': signature,
  };
  const options: https.RequestOptions = {
    method: 'POST',
    host: target.host,
    port: target.port,
    path: target.path,
    headers,
    timeout: LOOPBACK_TIMEOUT_MS,
    rejectUnauthorized: verifiesCertificate(target.host),
  };
  return new Promise((resolve, reject) => {
    const req = (target.secure ? https : http).request(options, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, reason: Buffer.concat(chunks).toString('utf8').slice(0, 500) }),
      );
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer within ${LOOPBACK_TIMEOUT_MS / 1000} s`)));
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * What of the receiver's own guards would keep a test from this machine out, before anything is sent:
 * httpNodeAuth (the endpoint holds no credentials for it), or an allow-list that the loopback request
 * cannot pass (it names no proxy hops, and its address may not be on the list).
 */
function guardAgainst(RED: NodeAPI, receiver: ListeningReceiver, target: Target): TestEventError | null {
  if (RED.settings.httpNodeAuth) return 'guard-node-auth';
  const list = receiver.sources;
  if (!list || list.allowsEveryone) return null;
  if (receiver.trustedProxies > 0) return 'guard-proxies';
  const sources = isIP(target.host) ? [target.host] : ['127.0.0.1', '::1'];
  return sources.some((address) => list.allows(address)) ? null : 'guard-allow-list';
}

export function registerTestEventEndpoint(RED: NodeAPI): void {
  const fail = (res: Response, status: number, error: TestEventError, details: Record<string, string> = {}): void => {
    res.status(status).json({ error, message: RED._(`genea-webhook-in.test.errors.${error}`, details), details });
  };

  RED.httpAdmin.post(
    '/genea-webhook-in/:id/test',
    RED.auth.needsPermission('genea-webhook-in.write'),
    (req: Request<{ id: string }>, res: Response) => {
      const request = (req.body ?? {}) as TestEventRequest;
      if (!isSampleEventType(request.event)) {
        return fail(res, 400, 'unknown-event', { types: SAMPLE_EVENT_TYPES.join(', ') });
      }
      const receiver = listeningReceivers.get(req.params.id);
      if (!receiver) {
        return fail(res, 409, RED.nodes.getNode(req.params.id) ? 'not-listening' : 'not-deployed');
      }
      const edited =
        (typeof request.url === 'string' && request.url.trim() !== receiver.url) ||
        (typeof request.config === 'string' && request.config !== receiver.configId);
      if (edited) return fail(res, 409, 'undeployed-changes');

      const [secret] = receiver.secrets();
      // Nothing to sign with: the editor tells where the secret goes (or that a typed one is not deployed yet).
      if (secret === undefined) return fail(res, 409, 'no-secret');
      const target = loopbackTarget(RED, receiver.url);
      const guard = guardAgainst(RED, receiver, target);
      if (guard) return fail(res, 409, guard, { host: target.host, proxies: String(receiver.trustedProxies) });

      const body = JSON.stringify(sampleEvent(request.event));
      post(target, body, signBody(body, secret)).then(
        (answer) =>
          res.status(answer.status).json({ event: request.event, status: answer.status, reason: answer.reason }),
        (err: unknown) => {
          const address = `${target.secure ? 'https' : 'http'}://${target.host}:${target.port}${target.path}`;
          fail(res, 502, 'unreachable', { url: address, error: err instanceof Error ? err.message : String(err) });
        },
      );
    },
  );
}

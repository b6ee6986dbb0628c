import type { NodeAPI, NodeDef } from 'node-red';
import type { Request, Response } from 'express';
import { LogThrottle } from '../../lib/log-throttle';
import { checkRedisUrl, redactRedisUrl, type RedisUrlProblem } from '../../lib/redis-url';
import {
  RedisConnection,
  testRedisConnection,
  unavailableStore,
  type ConnectionState,
  type RedisConnectionOptions,
} from '../../lib/redis-claim-store';
import type { GeneaRedisCredentials, GeneaRedisNode } from './redis-node';

interface GeneaRedisDef extends NodeDef {
  url?: string;
  prefix?: string;
}

/** What the dialog's "Test connection" sends: a deployed node's id (its stored password), or typed credentials. */
interface TestRequest {
  id?: unknown;
  url?: unknown;
  username?: unknown;
  password?: unknown;
}

/** Connection errors are logged at most once per this interval (each receiver's status shows them at once). */
const LOG_INTERVAL_MS = 60_000;

const text = (value: unknown): string => (typeof value === 'string' ? value : '');

export = function registerGeneaRedis(RED: NodeAPI): void {
  function GeneaRedis(this: GeneaRedisNode, def: GeneaRedisDef): void {
    RED.nodes.createNode(this, def);
    const prefix = typeof def.prefix === 'string' ? def.prefix : 'genea:';
    this.url = text(def.url).trim();
    const shownUrl = redactRedisUrl(this.url);
    const checked = checkRedisUrl(def.url);
    if ('problem' in checked) {
      const reason = RED._(`genea-redis.errors.${checked.problem}`, { url: shownUrl });
      this.error(reason);
      this.claimStore = () => unavailableStore(reason);
      this.watchState = (listener) => {
        listener({ ready: false, reason });
        return () => undefined;
      };
      return;
    }
    const connection = new RedisConnection({
      endpoint: checked.endpoint,
      username: text(this.credentials?.username),
      password: text(this.credentials?.password),
    });
    const throttle = new LogThrottle(LOG_INTERVAL_MS);
    connection.onChange((state) => {
      if (state.ready) return this.log(RED._('genea-redis.log.connected', { url: shownUrl }));
      if (throttle.admit() !== null) {
        this.warn(RED._('genea-redis.log.unavailable', { url: shownUrl, reason: state.reason }));
      }
    });
    this.claimStore = (scope) => connection.store(prefix + scope);
    this.watchState = (listener: (state: ConnectionState) => void) => {
      listener(connection.current);
      return connection.onChange(listener);
    };
    this.on('close', () => connection.close());
  }
  RED.nodes.registerType<GeneaRedisNode, GeneaRedisDef, unknown, GeneaRedisCredentials>('genea-redis', GeneaRedis, {
    credentials: { username: { type: 'text' }, password: { type: 'password' } },
  });

  const fail = (
    res: Response,
    status: number,
    error: RedisUrlProblem | 'not-deployed' | 'undeployed-changes',
  ): void => {
    res.status(status).json({ error, message: RED._(`genea-redis.errors.${error}`, { url: '' }) });
  };

  RED.httpAdmin.post(
    '/genea-redis/test',
    RED.auth.needsPermission('genea-redis.write'),
    (req: Request, res: Response): void => {
      const request = (req.body ?? {}) as TestRequest;
      const checked = checkRedisUrl(request.url);
      if ('problem' in checked) return fail(res, 400, checked.problem);
      let options: RedisConnectionOptions = {
        endpoint: checked.endpoint,
        username: text(request.username),
        password: text(request.password),
      };
      if (typeof request.password !== 'string') {
        // The stored password goes only to the deployed URL, never to one typed in a dialog.
        const node = typeof request.id === 'string' ? (RED.nodes.getNode(request.id) as GeneaRedisNode | null) : null;
        if (!node || node.type !== 'genea-redis') return fail(res, 409, 'not-deployed');
        if (node.url !== String(request.url).trim()) return fail(res, 409, 'undeployed-changes');
        options = { ...options, password: text(node.credentials?.password) };
      }
      testRedisConnection(options).then(
        (outcome) => res.json(outcome),
        () => res.status(500).json({ ok: false, kind: 'unreachable', reason: 'unexpected error' }),
      );
    },
  );
};

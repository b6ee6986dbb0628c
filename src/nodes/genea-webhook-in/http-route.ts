/**
 * How a receiver owns a path on Node-RED's `httpNode` express app: claiming
 * it (one receiver per path), keeping the raw body unread for it, mounting the
 * handler and removing it again.
 */
import type { Application, Request, RequestHandler } from 'express';

/** Set on requests whose body this package reads itself. */
const RESERVED = Symbol.for('node-red-contrib-genea-webhooks.raw-body-reserved');

/** Valid receiver paths: literal, no route parameters or patterns. */
export const PATH_PATTERN = /^\/[A-Za-z0-9._~!$&'()+,;=@%/-]*$/;

type RequestWithFlags = Request & { _body?: boolean; [RESERVED]?: boolean };
interface Layer {
  handle: unknown;
  route?: { stack: Array<{ handle: unknown }> };
}
type ExpressApp = Application & { parent?: ExpressApp };

/** Route keys (full path under the root app, normalised as express matches) → owning node id. */
const claims = new Map<string, string>();

function normalise(path: string): string {
  return (
    path
      .replace(/\/{2,}/g, '/')
      .replace(/\/$/, '')
      .toLowerCase() || '/'
  );
}

function pathOf(url: string): string {
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

function routerStack(app: ExpressApp): Layer[] | undefined {
  // Express 4 creates its router lazily in `_router` (reading `app.router` throws); express 5 has `router`.
  const legacy = app as { lazyrouter?: () => void; _router?: { stack: Layer[] } };
  if (typeof legacy.lazyrouter === 'function') {
    legacy.lazyrouter();
    return legacy._router?.stack;
  }
  return (app as { router?: { stack?: Layer[] } }).router?.stack;
}

function rootOf(app: ExpressApp): ExpressApp {
  return app.parent ? rootOf(app.parent) : app;
}

/**
 * Runs first on the root app: marks the body of a POST to a claimed path as
 * already handled so that no body parser (the editor's admin app parses JSON
 * on every path by default) consumes the bytes the signature covers.
 */
function reserveRawBody(req: RequestWithFlags, _res: unknown, next: () => void): void {
  if (req.method === 'POST' && claims.has(normalise(pathOf(req.originalUrl ?? req.url)))) {
    req._body = true;
    req[RESERVED] = true;
  }
  next();
}

function ensureReservation(app: ExpressApp): void {
  const root = rootOf(app);
  let stack = routerStack(root);
  if (stack?.some((layer) => layer.handle === reserveRawBody)) return;
  root.use(reserveRawBody as RequestHandler);
  stack = routerStack(root);
  const index = stack?.findIndex((layer) => layer.handle === reserveRawBody) ?? -1;
  if (stack && index > 0) stack.unshift(...stack.splice(index, 1));
}

/** Whether the request's raw bytes can still be read: nothing has read or parsed them yet. */
export function rawBodyAvailable(req: Request): boolean {
  const flagged = req as RequestWithFlags;
  if (req.readableDidRead || req.readableEnded) return false;
  return !flagged._body || flagged[RESERVED] === true;
}

export type Claim = { ok: true; release: () => void } | { ok: false; owner: string };

/**
 * Claims `url` on `app` for `ownerId` and mounts `handler` for every method on it.
 * `release` unmounts the handler and frees the path.
 */
export function claimRoute(app: ExpressApp, url: string, ownerId: string, handler: RequestHandler): Claim {
  const key = normalise(app.path() + url);
  const owner = claims.get(key);
  if (owner !== undefined && owner !== ownerId) return { ok: false, owner };
  claims.set(key, ownerId);
  ensureReservation(app);
  app.all(url, handler);
  return {
    ok: true,
    release: () => {
      if (claims.get(key) === ownerId) claims.delete(key);
      const stack = routerStack(app);
      const index = stack?.findIndex((layer) => layer.route?.stack.some((l) => l.handle === handler)) ?? -1;
      if (stack && index !== -1) stack.splice(index, 1);
    },
  };
}

/**
 * How a receiver owns a path on Node-RED's `httpNode` express app: checking that nothing else serves it
 * (the editor's admin app, other nodes' routes, other receivers), keeping the raw body unread for exactly
 * the requests express routes to it, mounting the handler behind `httpNodeMiddleware`, and removing it.
 * Every delivery takes express's own route: what runs in front of the receiver is what express runs.
 */
import type { Application, Request, RequestHandler } from 'express';
import { requestPathname, routeKey } from '../../lib/receiver-path';

/** Set on requests whose body this package reads itself. */
const RESERVED = Symbol.for('node-red-contrib-genea-webhooks.raw-body-reserved');

type RequestWithFlags = Request & { _body?: boolean; [RESERVED]?: boolean };

/** The part of an express (4 or 5) router layer this module reads. */
interface Layer {
  name?: string;
  handle: unknown;
  route?: { path?: unknown; stack: Array<{ handle: unknown }>; methods?: Record<string, boolean> };
  /** Express 4: the part of the path the last `match` consumed. */
  path?: string;
  /** Express 4: set on layers mounted at `/`, which match every path. */
  regexp?: { fast_slash?: boolean };
  /** Express 5 (router 2): set on layers mounted at `/`. */
  slash?: boolean;
  match(path: string): boolean;
}
type LayerConstructor = new (path: string, options: object, fn: () => void) => Layer;
type ExpressApp = Application & { parent?: ExpressApp; mountpath?: string | string[] };

/**
 * First path segments that Node-RED's editor and Admin HTTP API serve from apps mounted inside the admin
 * app, whose routers express keeps out of reach (a mounted app is a closure). Everything that can be
 * reached (the admin app's own routes, every node's `RED.httpAdmin` routes) is read from the routers.
 */
export const ADMIN_APP_SEGMENTS: ReadonlySet<string> = new Set([
  'auth',
  'credentials',
  'context',
  'diagnostics',
  'favicon.ico',
  'flow',
  'flows',
  'icons',
  'library',
  'locales',
  'nodes',
  'plugins',
  'projects',
  'red',
  'resources',
  'settings',
  'theme',
  'types',
  'vendor',
]);

function routerStack(app: ExpressApp): Layer[] | undefined {
  // Express 4 creates its router lazily in `_router` (reading `app.router` throws); express 5 has `router`.
  const legacy = app as { lazyrouter?: () => void; _router?: { stack: Layer[] } };
  if (typeof legacy.lazyrouter === 'function') {
    legacy.lazyrouter();
    return legacy._router?.stack;
  }
  return (app as unknown as { router?: { stack?: Layer[] } }).router?.stack;
}

function rootOf(app: ExpressApp): ExpressApp {
  return app.parent ? rootOf(app.parent) : app;
}

function matches(layer: Layer, path: string): boolean {
  try {
    return layer.match(path);
  } catch {
    return false; // express answers 400 for a path its parameters cannot decode
  }
}

/** Express's own layer for a mount point, built with the router's Layer: it matches and trims as express does. */
const mountLayers = new WeakMap<ExpressApp, { mountpath: unknown; layer: Layer } | null>();

function mountLayer(app: ExpressApp): Layer | null {
  const cached = mountLayers.get(app);
  if (cached !== undefined && (cached === null || cached.mountpath === app.mountpath)) return cached?.layer ?? null;
  const parentStack = app.parent ? routerStack(app.parent) : undefined;
  const Constructor = parentStack?.[0]?.constructor as LayerConstructor | undefined;
  const mountpath = Array.isArray(app.mountpath) ? app.mountpath[0] : app.mountpath;
  let layer: Layer | null = null;
  if (Constructor && typeof mountpath === 'string') {
    const sensitive = (app.parent as { enabled?: (name: string) => boolean }).enabled?.('case sensitive routing');
    layer = new Constructor(mountpath, { sensitive: Boolean(sensitive), strict: false, end: false }, () => {});
  }
  mountLayers.set(app, layer && { mountpath: app.mountpath, layer });
  return layer;
}

/**
 * The path `app`'s router matches for a request whose pathname at the root app is `pathname`, trimmed at
 * every mount point on the way as express trims it; null when the request does not reach `app`.
 */
export function pathWithinApp(app: ExpressApp, pathname: string): string | null {
  if (!app.parent) return pathname;
  const outer = pathWithinApp(app.parent, pathname);
  const mount = outer === null ? null : mountLayer(app);
  if (outer === null || !mount || !matches(mount, outer)) return null;
  const rest = outer.slice(mount.path?.length ?? 0);
  return rest.startsWith('/') ? rest : `/${rest}`;
}

const mountedAtRoot = (layer: Layer): boolean => Boolean(layer.regexp?.fast_slash ?? layer.slash);

/**
 * What in `stack` would serve `path`, described for the log; null when nothing does. A route counts for any
 * method but OPTIONS (CORS pre-flights); with `mounts`, so does anything mounted at a path covering `path`.
 * Middleware mounted at `/` only passes requests on, or answers them in front of every route, as express
 * would in front of the receiver too.
 */
function servedBy(stack: Layer[], path: string, mounts: boolean, ignore?: (layer: Layer) => boolean): string | null {
  for (const layer of stack) {
    if (ignore?.(layer) || !matches(layer, path)) continue;
    if (layer.route) {
      const methods = Object.keys(layer.route.methods ?? {}).filter((m) => m !== 'options');
      if (methods.length === 0) continue;
      const routePath = typeof layer.route.path === 'string' ? layer.route.path : String(layer.route.path);
      return `${methods.map((m) => (m === '_all' ? 'ALL' : m.toUpperCase())).join(',')} ${routePath}`;
    }
    if (mounts && !mountedAtRoot(layer)) {
      const name = layer.name && layer.name !== '<anonymous>' ? layer.name : 'middleware';
      return `${name} at ${layer.path || path}`;
    }
  }
  return null;
}

/**
 * Whether Node-RED's admin app (the editor and its HTTP API, and every node's `RED.httpAdmin` routes)
 * serves `pathname` (at the root app): a receiver there would take the admin API's own request bodies.
 */
export function adminServes(adminApp: ExpressApp | undefined, pathname: string): string | null {
  if (!adminApp) return null;
  // RED.httpAdmin is the runtime's admin app, mounted inside the editor's: both are read.
  for (let app: ExpressApp | undefined = adminApp; app && app.parent; app = app.parent) {
    const within = pathWithinApp(app, pathname);
    if (within === null) continue;
    const stack = routerStack(app);
    const found = stack && servedBy(stack, within, true);
    if (found) return found;
    if (app.parent === rootOf(app)) {
      const segment = within.split('/')[1]?.toLowerCase() ?? '';
      if (within === '/' || ADMIN_APP_SEGMENTS.has(segment)) return `the editor's ${within === '/' ? '/' : segment}`;
    }
  }
  return null;
}

interface ClaimState {
  readonly ownerId: string;
  readonly app: ExpressApp;
  /** The handler as mounted on the express route. */
  readonly routeHandler: RequestHandler;
  /** The route's layer in the app's stack, once mounted. */
  routeLayer?: Layer;
}

/** Route keys (full path under the root app) → the receiver holding it. */
const claims = new Map<string, ClaimState>();

/** Whether express routes a request whose root pathname is `pathname` to this claim's route. */
function routesTo(claim: ClaimState, pathname: string): boolean {
  const within = claim.routeLayer && pathWithinApp(claim.app, pathname);
  return typeof within === 'string' && matches(claim.routeLayer!, within);
}

/**
 * Runs first on the root app. Marks the body of a POST that express will route to a receiver as already
 * handled, so that no body parser (the editor's admin app parses JSON on every path by default) consumes
 * the bytes the signature covers. Request targets are read as express reads them (absolute form, `#`).
 */
function reserveRawBody(req: RequestWithFlags, _res: unknown, next: () => void): void {
  if (req.method === 'POST' && claims.size > 0) {
    const pathname = requestPathname(req.url);
    const claim = pathname === null ? undefined : claims.get(routeKey(pathname));
    if (claim && routesTo(claim, pathname!)) {
      req._body = true;
      req[RESERVED] = true;
    }
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

/** Why a path cannot be claimed: another receiver has it, another route serves it, or the admin app does. */
export type ClaimRefusal =
  { reason: 'receiver'; owner: string } | { reason: 'route'; route: string } | { reason: 'admin'; route: string };

export type Claim =
  | {
      ok: true;
      /** Another route on the same path, mounted since the claim (a node deployed later); null if none. */
      otherRoute: () => string | null;
      release: () => void;
    }
  | ({ ok: false } & ClaimRefusal);

export interface ClaimOptions {
  /** The id of the claiming node. */
  ownerId: string;
  /** RED.httpAdmin: its routes and the editor's are refused. */
  adminApp?: ExpressApp;
  /** `httpNodeMiddleware`: run in front of the handler, as in front of every core `http in` route. */
  middleware?: RequestHandler | RequestHandler[];
}

/**
 * Claims `url` (a receiver path) on `app` and mounts `handler` for every method on it, behind the
 * middleware. `release` unmounts the handler and frees the path.
 */
export function claimRoute(app: ExpressApp, url: string, handler: RequestHandler, options: ClaimOptions): Claim {
  const { ownerId } = options;
  const fullPath = `${app.path()}${url}`.replace(/\/{2,}/g, '/');
  const key = routeKey(fullPath);
  const current = claims.get(key);
  if (current !== undefined && current.ownerId !== ownerId) {
    return { ok: false, reason: 'receiver', owner: current.ownerId };
  }
  const adminRoute = adminServes(options.adminApp, fullPath);
  if (adminRoute) return { ok: false, reason: 'admin', route: adminRoute };
  const ownLayer = (layer: Layer): boolean => layer === claim.routeLayer || layer.handle === reserveRawBody;
  const otherRoute = (): string | null => {
    const stack = routerStack(app);
    return stack ? servedBy(stack, url, false, ownLayer) : null;
  };
  const routeHandler: RequestHandler = (req, res, next) => handler(req, res, next);
  const claim: ClaimState = { ownerId, app, routeHandler };
  const existing = otherRoute();
  if (existing) return { ok: false, reason: 'route', route: existing };

  claims.set(key, claim);
  ensureReservation(app);
  const middleware = options.middleware === undefined ? [] : [options.middleware].flat();
  app.all(url, ...middleware, routeHandler);
  claim.routeLayer = routerStack(app)?.find((layer) => layer.route?.stack.some((l) => l.handle === routeHandler));
  return {
    ok: true,
    otherRoute,
    release: () => {
      if (claims.get(key) === claim) claims.delete(key);
      const stack = routerStack(app);
      const index = claim.routeLayer ? (stack?.indexOf(claim.routeLayer) ?? -1) : -1;
      if (stack && index !== -1) stack.splice(index, 1);
    },
  };
}

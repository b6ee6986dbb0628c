/**
 * How a receiver owns a path on Node-RED's `httpNode` express app: claiming
 * it (one receiver per path), keeping the raw body unread for it, mounting the
 * handler and removing it again, and the direct route that spares deliveries
 * the walk through every express app in front of the receiver.
 */
import type { Application, Request, RequestHandler } from 'express';

/** Set on requests whose body this package reads itself. */
const RESERVED = Symbol.for('node-red-contrib-genea-webhooks.raw-body-reserved');

/** Valid receiver paths: literal, no route parameters or patterns. */
export const PATH_PATTERN = /^\/[A-Za-z0-9._~!$&'()+,;=@%/-]*$/;

type RequestWithFlags = Request & { _body?: boolean; [RESERVED]?: boolean };
interface Layer {
  name?: string;
  handle: unknown;
  route?: { stack: Array<{ handle: unknown }>; methods?: Record<string, boolean> };
  match?: (path: string) => boolean;
}
type ExpressApp = Application & { parent?: ExpressApp };

/** What the receiver cannot see in the router stacks: the editor's admin app and settings acting in it. */
export interface RouteContext {
  /**
   * `httpAdminRoot`: the editor's admin app is mounted there on the root app and runs first for every path
   * under it. It is opaque (express mounts apps behind a closure); its own middleware is Node-RED's, set by
   * the settings that `directAllowed` accounts for, and its routes would answer before the receiver did.
   */
  adminRoot: string | false | undefined;
  /**
   * False when settings make Node-RED act on every request inside the admin app or in front of the node app
   * (`requireHttps`, `httpAdminMiddleware`, `httpNodeAuth`, an `adminAuth` strategy with its session):
   * deliveries then always take the express route.
   */
  directAllowed: boolean;
}

/**
 * Express middleware that only passes a reserved POST on (or, for body parsers, skips it because
 * `req._body` is set): whatever else sits in front of a receiver keeps every delivery on the express route.
 */
const PASS_THROUGH = new Set([
  'query',
  'expressInit',
  'reserveRawBody',
  'rawBodyCapture', // core http in: reads bodies only for its own "do not parse body" routes
  'jsonParser',
  'urlencodedParser',
  'corsMiddleware',
  'initialize', // passport, with adminAuth: attaches its helpers to req
  'serveStatic', // GET and HEAD only
]);

/** Request paths (as sent, without the query) learned per claim: a few spellings, not an attacker's list. */
const MAX_DIRECT_PATHS = 8;

interface ClaimState {
  readonly ownerId: string;
  readonly app: ExpressApp;
  readonly context: RouteContext;
  readonly handler: RequestHandler;
  /** The handler as mounted on the express route; it learns which paths reach it. */
  readonly routeHandler: RequestHandler;
  /** Paths a POST took through express to this receiver, with nothing but pass-through middleware in front. */
  readonly directPaths: Set<string>;
  /**
   * The router stacks as they were when `directPaths` was learned (whole, or up to the receiver's route
   * where later layers cannot matter); any change forgets `directPaths`.
   */
  front: Array<{ stack: Layer[]; layers: Layer[]; whole: boolean }>;
}

/** Route keys (full path under the root app, normalised as express matches) → the receiver holding it. */
const claims = new Map<string, ClaimState>();

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

/** `path` relative to the mount point `root` (as express strips it), or null when it is not under it. */
function pathWithin(root: string, path: string): string | null {
  const base = root.replace(/\/$/, '');
  if (path.length < base.length || path.slice(0, base.length).toLowerCase() !== base.toLowerCase()) return null;
  const rest = path.slice(base.length);
  if (rest === '') return '/';
  return rest.startsWith('/') ? rest : null;
}

/** Whether express would run `layer` for `path`; null where that cannot be told. */
function matches(layer: Layer, path: string): boolean | null {
  if (typeof layer.match !== 'function') return null;
  try {
    return layer.match(path);
  } catch {
    return null; // express answers 400 for a path its parameters cannot decode
  }
}

/**
 * The layers of `stack` a POST to `path` passes before `end` (or all of them), checked to be harmless:
 * pass-through middleware, routes for other paths or methods, and mounted apps only where `mountedApps`
 * allows. Null when anything else would see the request.
 */
function frontLayers(stack: Layer[], path: string, end: Layer | undefined, mountedApps: number): Layer[] | null {
  const layers: Layer[] = [];
  let mounted = 0;
  for (const layer of stack) {
    if (layer === end) return layers;
    layers.push(layer);
    const matched = matches(layer, path);
    if (matched === null) return null;
    if (!matched) continue;
    if (layer.route) {
      const methods = layer.route.methods ?? {};
      if (methods._all || methods.post) return null;
    } else if (layer.name === 'mounted_app') {
      if (++mounted > mountedApps) return null;
    } else if (!PASS_THROUGH.has(layer.name ?? '')) {
      return null;
    }
  }
  return end === undefined ? layers : null;
}

/**
 * What a POST to `path` passes on its way from the root app to the receiver's route, when all of it is
 * harmless; null otherwise. Mounted apps are opaque in express: at the root the only ones allowed are
 * Node-RED's node app and, where it covers the path, the editor's admin app.
 */
function harmlessFront(claim: ClaimState, path: string): ClaimState['front'] | null {
  const { app, context } = claim;
  const route = routerStack(app)?.find((layer) => layer.route?.stack.some((l) => l.handle === claim.routeHandler));
  const nodePath = pathWithin(app.parent ? app.path() : '', path);
  const nodeStack = routerStack(app);
  if (!route || nodePath === null || !nodeStack) return null;
  const front: ClaimState['front'] = [];
  const add = (stack: Layer[], within: string, end: Layer | undefined, mountedApps: number): boolean => {
    const layers = frontLayers(stack, within, end, mountedApps);
    // Up to and including the route, so that a layer put in right before it shows as a change.
    if (layers) front.push({ stack, layers: end ? [...layers, end] : stack.slice(), whole: end === undefined });
    return layers !== null;
  };
  const root = rootOf(app);
  if (root !== app) {
    if (app.parent !== root) return null;
    const adminCovers = typeof context.adminRoot === 'string' && pathWithin(context.adminRoot, path) !== null;
    const rootStack = routerStack(root);
    if (!rootStack || !add(rootStack, path, undefined, adminCovers ? 2 : 1)) return null;
  }
  return add(nodeStack, nodePath, route, 0) ? front : null;
}

function frontUnchanged(claim: ClaimState): boolean {
  for (const { stack, layers, whole } of claim.front) {
    if (whole ? stack.length !== layers.length : stack.length < layers.length) return false;
    for (let i = 0; i < layers.length; i++) if (stack[i] !== layers[i]) return false;
  }
  return true;
}

/** Called when a POST reached the receiver through express: may let later ones to `path` go direct. */
function learnDirectPath(claim: ClaimState, path: string): void {
  if (!claim.context.directAllowed || claims.get(normalise(path)) !== claim) return;
  if (claim.directPaths.has(path)) return;
  if (claim.directPaths.size > 0 && !frontUnchanged(claim)) claim.directPaths.clear();
  if (claim.directPaths.size >= MAX_DIRECT_PATHS) return;
  const front = harmlessFront(claim, path);
  if (!front) return;
  claim.front = front;
  claim.directPaths.add(path);
}

/**
 * Runs first on the root app. Marks the body of a POST to a claimed path as already handled so that no
 * body parser (the editor's admin app parses JSON on every path by default) consumes the bytes the
 * signature covers. Where a POST to the same path has already reached the receiver through express with
 * nothing but pass-through middleware in front, hands the request to the receiver at once: under default
 * settings that walk (the admin app, the editor's routes, the node app) costs more than the receiver.
 */
function reserveRawBody(req: RequestWithFlags, res: Parameters<RequestHandler>[1], next: () => void): void {
  if (req.method === 'POST') {
    const path = pathOf(req.originalUrl ?? req.url);
    const claim = claims.get(normalise(path));
    if (claim) {
      req._body = true;
      req[RESERVED] = true;
      if (claim.directPaths.has(path)) {
        if (frontUnchanged(claim)) return void claim.handler(req, res, next);
        claim.directPaths.clear();
      }
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

export type Claim = { ok: true; release: () => void } | { ok: false; owner: string };

/**
 * Claims `url` on `app` for `ownerId` and mounts `handler` for every method on it.
 * `release` unmounts the handler and frees the path.
 */
export function claimRoute(
  app: ExpressApp,
  url: string,
  ownerId: string,
  handler: RequestHandler,
  context: RouteContext,
): Claim {
  const key = normalise(app.path() + url);
  const current = claims.get(key);
  if (current !== undefined && current.ownerId !== ownerId) return { ok: false, owner: current.ownerId };
  const routeHandler: RequestHandler = (req, res, next) => {
    if (req.method === 'POST') learnDirectPath(claim, pathOf(req.originalUrl ?? req.url));
    handler(req, res, next);
  };
  const claim: ClaimState = { ownerId, app, context, handler, routeHandler, directPaths: new Set(), front: [] };
  claims.set(key, claim);
  ensureReservation(app);
  app.all(url, routeHandler);
  return {
    ok: true,
    release: () => {
      if (claims.get(key) === claim) claims.delete(key);
      claim.directPaths.clear();
      const stack = routerStack(app);
      const index = stack?.findIndex((layer) => layer.route?.stack.some((l) => l.handle === routeHandler)) ?? -1;
      if (stack && index !== -1) stack.splice(index, 1);
    },
  };
}

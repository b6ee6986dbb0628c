import type { NodeAPI, NodeDef } from 'node-red';
import type { Request, Response } from 'express';
import {
  checkBaseUrl,
  GeneaApiClient,
  GeneaApiError,
  redactKey,
  SharedResult,
  type GeneaDoorRecord,
  type GeneaLocationRecord,
} from '../../lib/genea-api';
import type { GeneaApiCredentials, GeneaApiNode } from './api-node';

/** How long a listing of doors and locations is kept for the next picker or node that asks. */
const LISTING_KEPT_MS = 30_000;

interface GeneaApiDef extends NodeDef {
  baseUrl?: string;
}

/** What the editor's "Verify key" sends: a deployed node's id, or a key just typed (used once, never stored). */
interface VerifyRequest {
  id?: unknown;
  baseUrl?: unknown;
  apiKey?: unknown;
}

/** Errors of the admin endpoints; the editor shows `genea-api.errors.<code>` in the user's language. */
type EndpointError = 'not-deployed' | 'no-key' | 'invalid' | 'insecure' | 'undeployed-changes' | 'api';

/** A door as the editor's picker shows it. */
interface PickerDoor {
  uuid: string;
  name: string | null;
  location: string | null;
  locked: boolean | null;
  online: boolean | null;
}

function pickerDoors(doors: GeneaDoorRecord[], locations: GeneaLocationRecord[]): PickerDoor[] {
  const names = new Map(locations.map((location) => [location.uuid, location.name]));
  return doors
    .filter((door) => typeof door.uuid === 'string' && door.uuid !== '')
    .map((door) => ({
      uuid: door.uuid as string,
      name: typeof door.name === 'string' ? door.name : null,
      location: (door.location_uuid && names.get(door.location_uuid)) || door.location_uuid || null,
      locked: typeof door.is_locked === 'boolean' ? door.is_locked : null,
      online: typeof door.is_online === 'boolean' ? door.is_online : null,
    }));
}

export = function registerGeneaApi(RED: NodeAPI): void {
  function GeneaApi(this: GeneaApiNode, def: GeneaApiDef): void {
    RED.nodes.createNode(this, def);
    const checked = checkBaseUrl(def.baseUrl);
    const apiKey = typeof this.credentials?.apiKey === 'string' ? this.credentials.apiKey.trim() : '';
    // A base URL that is not usable is shown as typed: without the key, should it have been pasted into it.
    this.baseUrl = 'url' in checked ? checked.url : redactKey(String(def.baseUrl ?? ''), apiKey);
    this.problem = 'problem' in checked ? checked.problem : apiKey === '' ? 'no-key' : null;
    const client = this.problem === null ? new GeneaApiClient({ baseUrl: this.baseUrl, apiKey }) : null;
    this.client = client;
    // Location names make a picker readable; a key that may not read locations still lists its doors.
    const listing =
      client &&
      new SharedResult(async () => {
        const [doors, locations] = await Promise.all([client.listDoors(), client.listLocations().catch(() => [])]);
        return { doors, locations };
      }, LISTING_KEPT_MS);
    this.listing = (fresh = false) =>
      listing
        ? listing.get(fresh)
        : Promise.reject(new Error(RED._(`genea-api.errors.${this.problem ?? 'no-key'}`, { url: this.baseUrl })));
    if (this.problem === 'invalid' || this.problem === 'insecure') {
      this.error(RED._(`genea-api.errors.${this.problem}`, { url: this.baseUrl }));
    }
  }
  RED.nodes.registerType<GeneaApiNode, GeneaApiDef, unknown, GeneaApiCredentials>('genea-api', GeneaApi, {
    credentials: { apiKey: { type: 'password' } },
  });

  const fail = (res: Response, status: number, error: EndpointError, details: Record<string, string> = {}): void => {
    res.status(status).json({ error, message: RED._(`genea-api.errors.${error}`, details), details });
  };
  const failFromApi = (res: Response, err: unknown): void => {
    // GeneaApiError messages never carry the key; anything else is reported by its kind only.
    const detail = err instanceof GeneaApiError ? err.message : 'unexpected error';
    fail(res, 502, 'api', { detail, kind: err instanceof GeneaApiError ? err.kind : 'unknown' });
  };
  /** A deployed config node without a client: no key, or a base URL it will not send the key to. */
  const failUnusable = (res: Response, node: GeneaApiNode): void =>
    fail(res, 409, node.problem ?? 'no-key', { url: node.baseUrl });
  const deployed = (id: unknown): GeneaApiNode | null => {
    const node = typeof id === 'string' ? (RED.nodes.getNode(id) as GeneaApiNode | null) : null;
    return node && node.type === 'genea-api' ? node : null;
  };

  RED.httpAdmin.post(
    '/genea-api/verify',
    RED.auth.needsPermission('genea-api.write'),
    (req: Request, res: Response) => {
      const request = (req.body ?? {}) as VerifyRequest;
      let client: GeneaApiClient;
      if (typeof request.apiKey === 'string' && request.apiKey.trim() !== '') {
        const checked = checkBaseUrl(request.baseUrl);
        if ('problem' in checked) {
          const typed = typeof request.baseUrl === 'string' ? request.baseUrl : '';
          return fail(res, 400, checked.problem, { url: redactKey(typed, request.apiKey) });
        }
        client = new GeneaApiClient({ baseUrl: checked.url, apiKey: request.apiKey });
      } else {
        const node = deployed(request.id);
        if (!node) return fail(res, 409, 'not-deployed');
        if (!node.client) return failUnusable(res, node);
        // The deployed key goes only to the deployed base URL, never to one typed in a dialog.
        const typed = checkBaseUrl(request.baseUrl);
        if (request.baseUrl !== undefined && ('problem' in typed || typed.url !== node.baseUrl)) {
          return fail(res, 409, 'undeployed-changes');
        }
        client = node.client;
      }
      client.verify().then(
        (verified) => res.json({ customerUuid: verified.customerUuid, message: verified.message }),
        (err: unknown) => failFromApi(res, err),
      );
    },
  );

  RED.httpAdmin.get(
    '/genea-api/:id/doors',
    RED.auth.needsPermission('genea-api.read'),
    (req: Request<{ id: string }>, res: Response) => {
      const node = deployed(req.params.id);
      if (!node) return fail(res, 409, 'not-deployed');
      if (!node.client) return failUnusable(res, node);
      node.listing().then(
        ({ doors, locations }) => res.json({ doors: pickerDoors(doors, locations) }),
        (err: unknown) => failFromApi(res, err),
      );
    },
  );
};

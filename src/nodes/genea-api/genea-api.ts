import type { NodeAPI, NodeDef } from 'node-red';
import type { Request, Response } from 'express';
import {
  checkBaseUrl,
  GeneaApiClient,
  GeneaApiError,
  type GeneaDoorRecord,
  type GeneaLocationRecord,
} from '../../lib/genea-api';
import type { GeneaApiCredentials, GeneaApiNode } from './api-node';

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
    this.baseUrl = 'url' in checked ? checked.url : String(def.baseUrl ?? '');
    this.problem = 'problem' in checked ? checked.problem : apiKey === '' ? 'no-key' : null;
    this.client = this.problem === null ? new GeneaApiClient({ baseUrl: this.baseUrl, apiKey }) : null;
    if (this.problem === 'invalid' || this.problem === 'insecure') {
      this.error(RED._(`genea-api.errors.${this.problem}`, { url: String(def.baseUrl) }));
    }
    let running: ReturnType<GeneaApiNode['listing']> | null = null;
    this.listing = () => {
      const client = this.client;
      if (!client) {
        return Promise.reject(new Error(RED._(`genea-api.errors.${this.problem ?? 'no-key'}`, { url: this.baseUrl })));
      }
      // Location names make a list readable; a key that may not read locations still lists its doors.
      running ??= Promise.all([client.listDoors(), client.listLocations().catch(() => [])])
        .then(([doors, locations]) => ({ doors, locations }))
        .finally(() => (running = null));
      return running;
    };
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
        if ('problem' in checked)
          return fail(res, 400, checked.problem, { url: typeof request.baseUrl === 'string' ? request.baseUrl : '' });
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
      const client = node.client;
      if (!client) return failUnusable(res, node);
      // Location names make the picker readable; a key that may not read locations still lists its doors.
      Promise.all([client.listDoors(), client.listLocations().catch(() => [])]).then(
        ([doors, locations]) => res.json({ doors: pickerDoors(doors, locations) }),
        (err: unknown) => failFromApi(res, err),
      );
    },
  );
};

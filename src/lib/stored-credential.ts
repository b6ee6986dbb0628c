/**
 * Whether config nodes hold a stored credential, for the editor's validation: Node-RED never sends a stored password
 * to the editor, only `has_<field>` (and then only until the next deploy), and validates credentials only in the
 * dialog. The editor runs this module (see scripts/build.js), so it imports nothing and reaches the editor through
 * `EditorAccess`.
 */

/** A config node as the editor holds it. */
export interface CredentialNode {
  id: string;
  type: string;
  users?: object[];
  credentials?: object;
}

/** What this module needs of the editor: jQuery's getJSON and the editor's RED. */
export interface EditorAccess {
  getJSON(url: string): {
    done(callback: (body: Record<string, unknown>) => void): { fail(callback: () => void): unknown };
  };
  RED: { editor: { validateNode(node: never): unknown }; view: { redraw(full?: boolean): unknown } };
}

/** What Node-RED puts into a password input that stands for the stored value, unchanged. */
export const STORED_PASSWORD = '__PWRD__';

export class StoredCredential {
  /** As last known: from the credentials endpoint, or from what the dialog set. */
  private readonly known: Record<string, boolean> = {};
  /** The config node whose dialog is open: its field is checked there, not by `valid`. */
  editing: string | null = null;

  constructor(
    private readonly type: string,
    private readonly field: string,
    private readonly editor: EditorAccess,
  ) {}

  /** Whether `node` holds the credential; undefined while not known. */
  has(node: CredentialNode): boolean | undefined {
    const creds = node.credentials as Record<string, unknown> | undefined;
    const flag = `has_${this.field}`;
    if (creds && (flag in creds || this.field in creds)) {
      // A typed (or imported) value, else the unchanged stored one, which the editor knows only as `has_<field>`.
      const typed = creds[this.field];
      this.known[node.id] =
        typeof typed === 'string' && typed !== STORED_PASSWORD ? typed.trim() !== '' : creds[flag] === true;
    }
    return this.known[node.id];
  }

  /** For a validator: valid unless known to lack the credential, and always while its dialog is open. */
  valid(node: CredentialNode): boolean {
    return this.editing === node.id || this.has(node) !== false;
  }

  /**
   * Asks the server about a node of this type not yet known, then validates it and the nodes using it again (a
   * listener for the editor's `nodes:add`).
   */
  readonly learn = (node: CredentialNode): void => {
    if (node.type !== this.type || this.has(node) !== undefined) return;
    this.editor
      .getJSON(`credentials/${this.type}/${encodeURIComponent(node.id)}`)
      .done((body) => {
        if (this.has(node) !== undefined) return;
        this.known[node.id] = body[`has_${this.field}`] === true;
        for (const target of [node, ...(node.users ?? [])]) this.editor.RED.editor.validateNode(target as never);
        this.editor.RED.view.redraw(true);
      })
      .fail(() => undefined); // Not permitted or gone: no triangle rather than a wrong one.
  };
}

// Gaps in @types/node-red (1.3.5) against the Node-RED 4/5 runtime and editor, fixed in this one place
// (included by both tsconfig.json and tsconfig.editor.json).
import '@node-red/editor-client';
import '@node-red/runtime';
import type { NodeInstance, NodeProperties, NodePropertyDef, NodeDef } from '@node-red/editor-client';
import type { I18nTFunction } from '@node-red/util';

declare module '@node-red/editor-client' {
  interface NodeCredential {
    /** Node-RED validates a required credential like a required property. */
    required?: boolean;
    /** Validated like a property (see MessageValidator); `this` is the node being edited. */
    validate?: (this: { _: I18nTFunction }, value: string, opt: { label?: string } | undefined) => boolean | string;
  }

  /**
   * A Node-RED 3.1+ validator: declared with two parameters, it may return a message (shown to the user)
   * instead of `false`.
   */
  type MessageValidator<TInstProps extends NodeProperties> = (
    this: NodeInstance<TInstProps>,
    value: string,
    opt: { label?: string } | undefined,
  ) => boolean | string;

  type MessageValidatedDefaults<TProps extends NodeProperties, TInstProps extends TProps> = {
    [K in keyof TProps]: Omit<NodePropertyDef<TProps[K], TInstProps>, 'validate'> & {
      validate?: MessageValidator<TInstProps>;
    };
  };

  interface NodesRegistry {
    /** `registerType` whose property validators may return messages. */
    registerNodeType<TProps extends NodeProperties, TCreds = undefined, TInstProps extends TProps = TProps>(
      nt: string,
      def: Omit<NodeDef<TProps, TCreds, TInstProps>, 'defaults'> & {
        defaults: MessageValidatedDefaults<TProps, TInstProps>;
      },
    ): void;
  }

  interface Clipboard {
    /** The "copied" popover needs a jQuery target: given a bare element, Node-RED 4 throws (`c.on is not a function`). */
    copyText(value: string, element: JQuery, msg: string): boolean;
  }

  interface SettingsWithData {
    /** The sample event types of the receiver's "Send test event" (a node setting of genea-webhook-in). */
    geneaWebhookInSampleEvents?: string[];
    /** The source of the receiver path rule (RECEIVER_PATH_PATTERN), so that the dialog checks what the runtime does. */
    geneaWebhookInPathPattern?: string;
    /** httpAdminRoot (false: no editor) and the first path segments the editor's own apps serve. */
    geneaWebhookInAdminPaths?: { root: string | false; segments: string[] };
  }

  interface Sidebar {
    /** `addTab` as Node-RED 4/5 take it: `onchange` runs each time the tab is shown. */
    addTab(options: {
      id: string;
      label?: string;
      name: string;
      content?: HTMLElement;
      toolbar?: HTMLElement;
      enableOnEdit?: boolean;
      iconClass?: string;
      onchange?: () => void;
    }): void;
  }

  /** Settings this package's runtime exports to the editor (`registerType(..., { settings })`). */
  interface SettingsWithData {
    geneaAccessGrantedTimeZones?: string[];
    geneaAccessDeniedReasons?: string[];
    geneaResourceChangeActions?: string[];
    geneaResourceChangeTypes?: string[];
    geneaDoorEventKinds?: string[];
  }
}

declare module '@node-red/runtime' {
  interface LocalSettings {
    /** Redirects every request that did not arrive over HTTPS (applied by the editor's admin app). */
    requireHttps?: boolean | undefined;
  }
}

// Gaps in @types/node-red (1.3.5) against the Node-RED 4/5 editor, fixed in one place.
import '@node-red/editor-client';

declare module '@node-red/editor-client' {
  interface NodeCredential {
    /** Node-RED validates a required credential like a required property. */
    required?: boolean;
  }

  /** Settings this package's runtime exports to the editor (`registerType(..., { settings })`). */
  interface SettingsWithData {
    geneaAccessGrantedTimeZones?: string[];
    geneaAccessDeniedReasons?: string[];
    geneaResourceChangeActions?: string[];
    geneaResourceChangeTypes?: string[];
  }
}

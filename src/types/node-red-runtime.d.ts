// Gaps in @types/node-red__runtime (1.3.x) against the Node-RED 4/5 runtime settings, fixed in one place.
import '@node-red/runtime';

declare module '@node-red/runtime' {
  interface LocalSettings {
    /** Redirects every request that did not arrive over HTTPS (applied by the editor's admin app). */
    requireHttps?: boolean | undefined;
  }
}

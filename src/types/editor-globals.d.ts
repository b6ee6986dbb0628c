// The Node-RED editor's globals, for the editor scripts under src/nodes/*/editor/.
import type { EditorRED } from 'node-red';

declare global {
  const RED: EditorRED;
  /**
   * Core modules the editor runs too, so that a field is checked by the same code as at runtime. The build
   * (scripts/build.js) inlines each module a node set's editor script names as `geneaLib['<module>']` into that
   * set's .html; a module listed here must import no Node.js module.
   */
  const geneaLib: {
    readonly 'source-allow-list': typeof import('../lib/source-allow-list');
    readonly 'base-url': typeof import('../lib/base-url');
    readonly 'stored-credential': typeof import('../lib/stored-credential');
    readonly 'redis-url': typeof import('../lib/redis-url');
  };
}
export {};

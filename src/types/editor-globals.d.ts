// The Node-RED editor's globals, for the editor scripts under src/nodes/*/editor/.
import type { EditorRED } from 'node-red';

declare global {
  const RED: EditorRED;
}
export {};

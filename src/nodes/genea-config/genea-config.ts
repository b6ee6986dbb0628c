import type { NodeAPI, NodeDef } from 'node-red';
import type { GeneaConfigCredentials, GeneaConfigNode } from './config-node';

export = function registerGeneaConfig(RED: NodeAPI): void {
  function GeneaConfig(this: GeneaConfigNode, def: NodeDef): void {
    RED.nodes.createNode(this, def);
    this.secrets = () => {
      const { secret, previousSecret } = this.credentials ?? {};
      // A pasted key often carries a stray newline or space; Genea's keys have none.
      return [secret, previousSecret]
        .map((value) => (typeof value === 'string' ? value.trim() : ''))
        .filter((value) => value !== '');
    };
  }
  RED.nodes.registerType<GeneaConfigNode, NodeDef, unknown, GeneaConfigCredentials>('genea-config', GeneaConfig, {
    credentials: { secret: { type: 'password' }, previousSecret: { type: 'password' } },
  });
};

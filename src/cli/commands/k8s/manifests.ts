// harborctl k8s manifests [--replicas N] [--host H] [--db-secret NAME[:KEY]] [--storage URL] ...
// Prints the Deployment, Service, Ingress and PodDisruptionBudget of N replicas (deploy.ts, the
// same objects as the Helm chart) as YAML for kubectl apply -f -; -o json prints them as a v1 List.
import { harborctlVersion } from '../../../core/version.js';
import type { Runtime } from '../../runtime.js';
import { checkInput, defaultInput, deployObjects, toYaml, type DeployInput } from './deploy.js';

export interface Options {
  name?: string; namespace?: string; replicas?: string; host?: string; image?: string; dbSecret?: string; storage?: string;
  s3Secret?: string; adminSecret?: string; issuer?: string; tlsSecret?: string; ingressClass?: string; cpu?: string; memory?: string; memoryLimit?: string;
}

export function inputFrom(o: Options): DeployInput {
  const d = defaultInput(harborctlVersion());
  const [dbSecret, dbSecretKey] = o.dbSecret === undefined ? [d.dbSecret, d.dbSecretKey] : [o.dbSecret.split(':')[0], o.dbSecret.split(':').slice(1).join(':') || d.dbSecretKey];
  const name = o.name ?? d.name;
  const i: DeployInput = {
    name, namespace: o.namespace, replicas: o.replicas === undefined ? d.replicas : /^\d+$/.test(o.replicas) ? Number(o.replicas) : NaN,
    host: o.host ?? d.host, image: o.image ?? d.image, dbSecret, dbSecretKey, storage: o.storage ?? d.storage,
    s3Secret: o.s3Secret ?? d.s3Secret, adminSecret: o.adminSecret ?? d.adminSecret, issuer: o.issuer ?? d.issuer,
    tlsSecret: o.tlsSecret ?? `${name}-tls`, ingressClass: o.ingressClass ?? d.ingressClass,
    cpuRequest: o.cpu ?? d.cpuRequest, memoryRequest: o.memory ?? d.memoryRequest, memoryLimit: o.memoryLimit ?? d.memoryLimit,
  };
  checkInput(i);
  return i;
}

export async function run(rt: Runtime, _args: string[], o: Options): Promise<void> {
  const objects = deployObjects(inputFrom(o));
  rt.io.stdout.write(rt.opts.output === 'json' ? `${JSON.stringify({ apiVersion: 'v1', kind: 'List', items: objects }, null, 2)}\n` : toYaml(objects));
}

// The Kubernetes deployment of N harborctl replicas, as objects: ONE source for both
// `harborctl k8s manifests` (plain YAML) and the Helm chart in templates/helm/harborctl, which is
// generated from the same function (chartFiles below; a test checks the committed chart is what it
// generates, and that rendering its templates with any values gives what `k8s manifests` gives).
//
// What runs: a Deployment of `harborctl serve` replicas on one PostgreSQL database (URL from a
// Secret, env HARBORCTL_DB) and one S3 bucket (--storage; keys from an optional Secret,
// AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY), probed on /api/v2.0/health; a ClusterIP Service;
// an Ingress for ingress-nginx with TLS from cert-manager (cluster-issuer annotation; no body size
// limit and no request buffering, for big layers); a PodDisruptionBudget keeping all but one replica
// up. The data dir is an emptyDir: a replica keeps nothing of its own.
import YAML from 'yaml';
import { HarborError } from '../../../core/errors.js';
import { parseStorageUrl } from '../../../storage/blobs/config.js';
import { isValidNamespace, isValidSecretName } from './manifest.js';

export interface DeployInput {
  name: string;
  /** undefined: no namespace in the objects (kubectl's current one). */
  namespace?: string;
  replicas: number;
  host: string;
  image: string;
  /** The Secret (and its key) holding the postgres:// URL. */
  dbSecret: string;
  dbSecretKey: string;
  /** The `serve --storage` URL (no credentials in it). */
  storage: string;
  /** A Secret with keys AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (optional: absent for file: storage). */
  s3Secret: string;
  /** A Secret with key HARBOR_ADMIN_PASSWORD for the first start (optional: else one is generated and logged once). */
  adminSecret: string;
  /** cert-manager ClusterIssuer for the Ingress certificate, and the Secret it fills. */
  issuer: string;
  tlsSecret: string;
  ingressClass: string;
  cpuRequest: string;
  memoryRequest: string;
  memoryLimit: string;
}

export const PORT = 5280;
const DATA_DIR = '/var/lib/harborctl';
const HEALTH = '/api/v2.0/health';

export function defaultInput(version: string): DeployInput {
  return {
    name: 'harborctl', replicas: 2, host: 'registry.example.com', image: `harborctl:${version}`,
    dbSecret: 'harborctl-db', dbSecretKey: 'url', storage: 's3://harborctl?region=us-east-1', s3Secret: 'harborctl-s3',
    adminSecret: 'harborctl-admin', issuer: 'letsencrypt', tlsSecret: 'harborctl-tls', ingressClass: 'nginx',
    cpuRequest: '250m', memoryRequest: '256Mi', memoryLimit: '1Gi',
  };
}

type Obj = Record<string, unknown>;

const QUANTITY = /^\d+(\.\d+)?(m|k|Ki|Mi|Gi|Ti|M|G|T)?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]{1,253}$/;

/** Checks what the API server would refuse, before anything is printed: one usage line per problem. */
export function checkInput(i: DeployInput): void {
  const bad = (flag: string, why: string): HarborError => new HarborError('USAGE', `invalid ${flag}: ${why}`);
  if (!isValidNamespace(i.name)) throw bad('--name', 'a DNS label (lower-case letters, digits, -; at most 63)');
  if (i.namespace !== undefined && !isValidNamespace(i.namespace)) throw bad('--namespace', 'a DNS label');
  if (!Number.isSafeInteger(i.replicas) || i.replicas < 1 || i.replicas > 100) throw bad('--replicas', 'a whole number from 1 to 100');
  if (!isValidSecretName(i.host) || !i.host.includes('.')) throw bad('--host', 'a DNS name such as registry.example.com');
  if (!/^[^\s"'{}]{1,512}$/.test(i.image)) throw bad('--image', 'an image reference');
  for (const [flag, v] of [['--db-secret', i.dbSecret], ['--s3-secret', i.s3Secret], ['--admin-secret', i.adminSecret], ['--issuer', i.issuer],
    ['--tls-secret', i.tlsSecret], ['--ingress-class', i.ingressClass]] as const) {
    if (!isValidSecretName(v)) throw bad(flag, 'a Kubernetes object name (lower-case letters, digits, - and .)');
  }
  if (!SECRET_KEY.test(i.dbSecretKey)) throw bad('--db-secret', 'the key after ":" is letters, digits, -, _ and .');
  // The credentials come from the s3 Secret in the pod: the URL is checked as if they were there.
  parseStorageUrl(i.storage, { AWS_ACCESS_KEY_ID: 'set-in-pod', AWS_SECRET_ACCESS_KEY: 'set-in-pod' });
  for (const [flag, v] of [['--cpu', i.cpuRequest], ['--memory', i.memoryRequest], ['--memory-limit', i.memoryLimit]] as const) {
    if (!QUANTITY.test(v)) throw bad(flag, 'a Kubernetes quantity such as 250m, 512Mi or 2Gi');
  }
}

/** The objects, in the order `kubectl apply` should create them. */
export function deployObjects(i: DeployInput): Obj[] {
  const labels = { 'app.kubernetes.io/name': 'harborctl', 'app.kubernetes.io/instance': i.name };
  const meta = (extra: Obj = {}): Obj => ({ name: i.name, ...(i.namespace !== undefined ? { namespace: i.namespace } : {}), labels, ...extra });
  const fromSecret = (env: string, secret: string, key: string, optional: boolean): Obj => ({
    name: env, valueFrom: { secretKeyRef: { name: secret, key, ...(optional ? { optional: true } : {}) } },
  });
  const probe = (failureThreshold: number): Obj => ({ httpGet: { path: HEALTH, port: 'http' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold });
  const deployment = {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(),
    spec: {
      replicas: i.replicas,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
      template: {
        metadata: { labels },
        spec: {
          securityContext: { runAsNonRoot: true, runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 },
          containers: [{
            name: 'harborctl', image: i.image,
            args: ['serve', '--listen', `0.0.0.0:${PORT}`, '--data-dir', DATA_DIR, '--storage', i.storage],
            env: [
              fromSecret('HARBORCTL_DB', i.dbSecret, i.dbSecretKey, false),
              fromSecret('AWS_ACCESS_KEY_ID', i.s3Secret, 'AWS_ACCESS_KEY_ID', true),
              fromSecret('AWS_SECRET_ACCESS_KEY', i.s3Secret, 'AWS_SECRET_ACCESS_KEY', true),
              fromSecret('HARBOR_ADMIN_PASSWORD', i.adminSecret, 'HARBOR_ADMIN_PASSWORD', true),
            ],
            ports: [{ name: 'http', containerPort: PORT, protocol: 'TCP' }],
            readinessProbe: probe(3),
            livenessProbe: { ...probe(6), initialDelaySeconds: 10 },
            resources: { requests: { cpu: i.cpuRequest, memory: i.memoryRequest }, limits: { memory: i.memoryLimit } },
            securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
            volumeMounts: [{ name: 'data', mountPath: DATA_DIR }, { name: 'tmp', mountPath: '/tmp' }],
          }],
          volumes: [{ name: 'data', emptyDir: {} }, { name: 'tmp', emptyDir: {} }],
        },
      },
    },
  };
  const service = {
    apiVersion: 'v1', kind: 'Service', metadata: meta(),
    spec: { type: 'ClusterIP', selector: labels, ports: [{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }] },
  };
  const ingress = {
    apiVersion: 'networking.k8s.io/v1', kind: 'Ingress',
    metadata: meta({
      annotations: {
        'cert-manager.io/cluster-issuer': i.issuer,
        // Layers are big and uploads stream: no size limit, no buffering of request bodies.
        'nginx.ingress.kubernetes.io/proxy-body-size': '0',
        'nginx.ingress.kubernetes.io/proxy-request-buffering': 'off',
        'nginx.ingress.kubernetes.io/proxy-read-timeout': '900',
        'nginx.ingress.kubernetes.io/proxy-send-timeout': '900',
      },
    }),
    spec: {
      ingressClassName: i.ingressClass,
      tls: [{ hosts: [i.host], secretName: i.tlsSecret }],
      rules: [{ host: i.host, http: { paths: [{ path: '/', pathType: 'Prefix', backend: { service: { name: i.name, port: { name: 'http' } } } }] } }],
    },
  };
  const pdb = {
    apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: meta(),
    spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
  };
  return [deployment, service, ingress, pdb];
}

/** Multi-document YAML, as kubectl apply -f takes it. */
export function toYaml(objects: Obj[]): string {
  return objects.map((o) => YAML.stringify(o, { lineWidth: 0, aliasDuplicateObjects: false })).join('---\n');
}

// ---- the Helm chart, generated

/** Which input fields are chart values, and their YAML kind in the templates. */
const VALUE_KINDS: Record<Exclude<keyof DeployInput, 'namespace'>, 'number' | 'string'> = {
  name: 'string', replicas: 'number', host: 'string', image: 'string', dbSecret: 'string', dbSecretKey: 'string', storage: 'string',
  s3Secret: 'string', adminSecret: 'string', issuer: 'string', tlsSecret: 'string', ingressClass: 'string', cpuRequest: 'string',
  memoryRequest: 'string', memoryLimit: 'string',
};
const MARK = (k: string): string => `@@${k}@@`;

/**
 * The chart's files (path → text): Chart.yaml, values.yaml (the defaults) and one template per
 * object, made by rendering the objects with a marker for every value and turning each marker into
 * `{{ .Values.x }}` (numbers) or `{{ .Values.x | quote }}` (strings); the namespace is the release's.
 */
export function chartFiles(version: string): Record<string, string> {
  const marked = Object.fromEntries(Object.keys(VALUE_KINDS).map((k) => [k, MARK(k)])) as unknown as DeployInput;
  marked.namespace = MARK('namespace');
  const files: Record<string, string> = {
    'Chart.yaml': YAML.stringify({
      apiVersion: 'v2', name: 'harborctl', description: 'harborctl serve replicas on PostgreSQL and S3 (generated by harborctl k8s chart)',
      type: 'application', version, appVersion: version,
    }, { lineWidth: 0 }),
    'values.yaml': `# Generated by \`harborctl k8s chart\` (the same objects as \`harborctl k8s manifests\`); edit values, not templates.\n${YAML.stringify(Object.fromEntries(Object.entries(defaultInput(version)).filter(([k]) => k !== 'namespace')))}`,
  };
  for (const o of deployObjects(marked)) {
    let text = YAML.stringify(o, { lineWidth: 0, aliasDuplicateObjects: false, defaultStringType: 'QUOTE_DOUBLE', defaultKeyType: 'PLAIN' });
    text = text.replace(/"@@(\w+)@@"/g, (_m, k: string) => {
      if (k === 'namespace') return '{{ .Release.Namespace | quote }}';
      return VALUE_KINDS[k as keyof typeof VALUE_KINDS] === 'number' ? `{{ .Values.${k} }}` : `{{ .Values.${k} | quote }}`;
    });
    if (text.includes('@@')) throw new Error(`a chart value is part of a longer string in the ${String(o.kind)} template`);
    files[`templates/${String(o.kind).toLowerCase()}.yaml`] = `# Generated by \`harborctl k8s chart\` from src/cli/commands/k8s/deploy.ts: do not edit.\n${text}`;
  }
  return files;
}

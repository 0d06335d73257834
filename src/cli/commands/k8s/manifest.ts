// A kubernetes.io/dockerconfigjson Secret exactly as `kubectl create secret docker-registry NAME
// --docker-server=S --docker-username=U --docker-password=P [-n NS] --dry-run=client` prints it
// (kubectl/pkg/generate/versioned/secret_for_docker_registry.go): the .dockerconfigjson is
// {"auths":{S:{"username","password","auth"}}} in that key order, auth = base64(U:P), and the
// server key is used verbatim.
import YAML from 'yaml';

export interface PullSecretInput { name: string; namespace?: string; server: string; username: string; password: string }

export interface SecretManifest {
  kind: 'Secret';
  apiVersion: 'v1';
  metadata: { name: string; namespace?: string; creationTimestamp: null };
  data: { '.dockerconfigjson': string };
  type: 'kubernetes.io/dockerconfigjson';
}

export function dockerConfigJson(server: string, username: string, password: string): string {
  const auth = Buffer.from(`${username}:${password}`).toString('base64');
  return JSON.stringify({ auths: { [server]: { username, password, auth } } });
}

/** The object in kubectl's -o json key order. */
export function pullSecretManifest(i: PullSecretInput): SecretManifest {
  const metadata: SecretManifest['metadata'] = i.namespace ? { name: i.name, namespace: i.namespace, creationTimestamp: null } : { name: i.name, creationTimestamp: null };
  return {
    kind: 'Secret', apiVersion: 'v1', metadata,
    data: { '.dockerconfigjson': Buffer.from(dockerConfigJson(i.server, i.username, i.password)).toString('base64') },
    type: 'kubernetes.io/dockerconfigjson',
  };
}

/** kubectl's YAML sorts keys; its JSON keeps the struct order and indents by four. */
export function formatManifest(m: SecretManifest, format: 'yaml' | 'json'): string {
  if (format === 'json') return `${JSON.stringify(m, null, 4)}\n`;
  return YAML.stringify(m, { sortMapEntries: true, lineWidth: 0 });
}

/** A Secret name is a DNS subdomain (RFC 1123), as the API server requires. */
export function isValidSecretName(s: string): boolean {
  return s.length <= 253 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(s);
}

/** A namespace is a DNS label. */
export function isValidNamespace(s: string): boolean {
  return s.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s);
}

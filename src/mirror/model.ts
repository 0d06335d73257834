// containerd's hosts.toml, as containerd 1.6/1.7 reads it (remotes/docker/config/hosts.go,
// `hostFileConfig`): one file per upstream registry in <certs.d>/<registry>/hosts.toml, with an
// optional `server` (tried LAST) and `[host."URL"]` tables (tried FIRST, in file order).

export type Capability = 'pull' | 'resolve' | 'push';
export const CAPABILITIES: readonly Capability[] = ['pull', 'resolve', 'push'];

/** The keys containerd 1.6 knows, at the top level (they apply to `server`) and in each host table. */
export const HOST_KEYS = ['capabilities', 'ca', 'client', 'skip_verify', 'header', 'override_path'] as const;
export const TOP_KEYS = ['server', 'host', ...HOST_KEYS] as const;

/** One `[host."URL"]` table (or the top-level settings of `server`). */
export interface MirrorHost {
  url: string;
  capabilities?: string[];
  /** CA file path(s); relative paths are relative to the hosts.toml's directory. */
  ca?: string | string[];
  /** Client certificate: a path, paths, or [cert, key] pairs. */
  client?: string | string[] | string[][];
  skipVerify?: boolean;
  header?: Record<string, string | string[]>;
  overridePath?: boolean;
}

export interface HostsFile {
  server?: string;
  /** Settings written at the top level: they apply to `server`. */
  serverSettings?: Omit<MirrorHost, 'url'>;
  hosts: MirrorHost[];
  /** An empty `[host]` table (the containerd#10027 workaround for a server-only file). */
  emptyHostTable?: boolean;
}

/** The canonical upstream API endpoint of a registry name (the directory name under certs.d). */
export function upstreamServer(registry: string): string | undefined {
  if (registry === '_default') return undefined;
  if (registry === 'docker.io' || registry === 'registry-1.docker.io' || registry === 'index.docker.io') return 'https://registry-1.docker.io';
  // containerd spells host:port directories as-is; `host_port_` is the legacy form for a port.
  return `https://${registry.replace(/^(.+)_(\d+)_$/, '$1:$2')}`;
}

/** Host names that ARE the upstream of a registry (its own name and, for Docker Hub, its API hosts). */
export function upstreamHosts(registry: string): string[] {
  if (registry === 'docker.io' || registry === 'registry-1.docker.io' || registry === 'index.docker.io') {
    return ['docker.io', 'registry-1.docker.io', 'index.docker.io', 'registry.hub.docker.com'];
  }
  return [registry.replace(/^(.+)_(\d+)_$/, '$1:$2')];
}

/** The URL containerd would put in front of `/<repo>/manifests/<ref>` (parseHostConfig's path rule). */
export function apiRoot(rawUrl: string, overridePath: boolean): string {
  const withScheme = /^http/.test(rawUrl) ? rawUrl : `https://${rawUrl}`;
  let u: URL;
  try { u = new URL(withScheme); } catch { return withScheme; }
  let p = u.pathname === '/' ? '' : u.pathname.replace(/\/+$/, '');
  if (p) {
    if (!p.endsWith('/v2') && !overridePath) p = `${p}/v2`;
  } else if (!overridePath) {
    p = '/v2';
  }
  return `${u.protocol}//${u.host}${p}`;
}

/** host[:port] of a URL written with or without a scheme (containerd assumes https). */
export function hostOf(rawUrl: string): string {
  try { return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(rawUrl) ? rawUrl : `https://${rawUrl}`).host; } catch { return rawUrl; }
}

/** Where each flavour keeps things; every path can be overridden on the command line. */
export interface Flavor {
  name: 'microk8s' | 'containerd';
  certsDir: string;
  /** The file whose `config_path` must point at certsDir. */
  containerdConfig: string;
  /** What `${SNAP_DATA}` means in that file (MicroK8s renders the template at start). */
  vars: Record<string, string>;
  restartCommand: string;
}

/** One host's layout: the flavour and where its hosts.toml directory and containerd config are. */
export interface Layout {
  flavor: Flavor;
  certsDir: string;
  containerdConfig: string;
}

export const FLAVORS: Record<Flavor['name'], Flavor> = {
  microk8s: {
    name: 'microk8s',
    certsDir: '/var/snap/microk8s/current/args/certs.d',
    containerdConfig: '/var/snap/microk8s/current/args/containerd-template.toml',
    vars: { SNAP_DATA: '/var/snap/microk8s/current' },
    restartCommand: 'sudo snap restart microk8s',
  },
  containerd: {
    name: 'containerd',
    certsDir: '/etc/containerd/certs.d',
    containerdConfig: '/etc/containerd/config.toml',
    vars: {},
    restartCommand: 'sudo systemctl restart containerd',
  },
};

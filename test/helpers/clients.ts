// skopeo and podman, each confined to a temp directory: its own signature policy, an auth file (by
// default the test admin's credentials for every given registry, which harborctl serve requires
// and docker-registry ignores), a registries.conf that marks only the given loopback registries insecure, and (podman) vfs storage
// with its own --root/--runroot/--tmpdir, so nothing touches the machine's containers storage.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TEST_ADMIN_PASSWORD } from './admin-auth.js';
import { runOk, run, type RunOptions, type RunResult } from './exec.js';

export class ContainerClients {
  private constructor(
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
    private readonly policy: string,
    /** The auth file skopeo and podman use (REGISTRY_AUTH_FILE); `podman login` writes to it. */
    readonly authFile: string,
  ) {}

  /**
   * `insecureHosts`: the `127.0.0.1:PORT` of every registry the clients will talk to. `auths`:
   * credentials per host for the auth file (default: the test admin for each host; `{}` for none).
   */
  static async create(insecureHosts: string[], auths?: Record<string, { username: string; password: string }>): Promise<ContainerClients> {
    const dir = await mkdtemp(join(tmpdir(), 'harborctl-interop-clients-'));
    const policy = join(dir, 'policy.json');
    await writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] }));
    const authFile = join(dir, 'auth.json');
    const creds = auths ?? Object.fromEntries(insecureHosts.map((h) => [h, { username: 'admin', password: TEST_ADMIN_PASSWORD }]));
    // podman stats the file even for an anonymous pull, so it always exists.
    await writeFile(authFile, JSON.stringify({
      auths: Object.fromEntries(Object.entries(creds).map(([h, c]) => [h, { auth: Buffer.from(`${c.username}:${c.password}`).toString('base64') }])),
    }), { mode: 0o600 });
    const registriesConf = join(dir, 'registries.conf');
    await writeFile(registriesConf, [
      'unqualified-search-registries = []',
      'short-name-mode = "permissive"',
      ...insecureHosts.flatMap((h) => ['', '[[registry]]', `location = "${h}"`, 'insecure = true']),
      '',
    ].join('\n'));
    const tmp = join(dir, 'tmp');
    await mkdir(tmp);
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      CONTAINERS_REGISTRIES_CONF: registriesConf,
      REGISTRY_AUTH_FILE: authFile,
      TMPDIR: tmp, // image copies stage big blobs here, not in /var/tmp
    };
    return new ContainerClients(dir, env, policy, authFile);
  }

  private opts(o: RunOptions = {}): RunOptions {
    return { ...o, env: { ...this.env, ...o.env } };
  }

  skopeo(args: string[], o?: RunOptions): Promise<RunResult> {
    return runOk('skopeo', ['--policy', this.policy, ...args], this.opts(o));
  }

  /** Like `skopeo`, but resolves with a non-zero exit too (for asserting on an expected failure). */
  skopeoRaw(args: string[], o?: RunOptions): Promise<RunResult> {
    return run('skopeo', ['--policy', this.policy, ...args], this.opts(o));
  }

  private podmanFlags(): string[] {
    return [
      '--storage-driver', 'vfs',
      '--root', join(this.dir, 'podman-root'),
      '--runroot', join(this.dir, 'podman-run'),
      '--tmpdir', join(this.dir, 'podman-tmp'),
      '--cgroup-manager', 'cgroupfs',
      '--events-backend', 'file',
    ];
  }

  podman(args: string[], o?: RunOptions): Promise<RunResult> {
    return runOk('podman', [...this.podmanFlags(), ...args], this.opts(o));
  }

  podmanRaw(args: string[], o?: RunOptions): Promise<RunResult> {
    return run('podman', [...this.podmanFlags(), ...args], this.opts(o));
  }

  async dispose(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

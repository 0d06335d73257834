// `harborctl microk8s …` and `harborctl containerd …`: the containerd hosts.toml mirror commands.
// Registration only; each action file is imported when it runs, so --help stays fast.
import { Command, Option } from 'commander';
import type { GlobalOptions, Io, Runtime } from '../runtime.js';

type Verb = { run(rt: Runtime, args: string[], opts: never): Promise<void> };

/** The streams commander was configured with (main.ts routes them to its Io). */
function ioOf(program: Command): Io {
  const cfg = program.configureOutput() as { writeOut?: (s: string) => void; writeErr?: (s: string) => void };
  return {
    stdout: { write: (s: string) => (cfg.writeOut ?? ((x: string) => process.stdout.write(x)))(s), isTTY: process.stdout.isTTY },
    stderr: { write: (s: string) => (cfg.writeErr ?? ((x: string) => process.stderr.write(x)))(s), isTTY: process.stderr.isTTY },
    stdin: process.stdin,
    env: process.env,
  };
}

/**
 * Adds the `microk8s` and `containerd` groups (configure-mirror, doctor, fix) to the program.
 * Pass `io` when the program was built with other streams than the process's (tests).
 */
export function registerMirrorCommands(program: Command, io?: Io): void {
  const streams = (): Io => io ?? ioOf(program);
  const act = (load: () => Promise<Verb>) => async (...args: unknown[]): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
    const [{ Runtime: RuntimeClass }, verb] = await Promise.all([import('../runtime.js'), load()]);
    await verb.run(new RuntimeClass(streams(), { ...opts, output: opts.output ?? 'table', input: opts.input ?? true }), args.slice(0, -2) as string[], opts as never);
  };

  // Literal import paths, so bundlers and the test runner can see them.
  const verbs = {
    microk8s: {
      configure: () => import('./microk8s/configure-mirror.js'), doctor: () => import('./microk8s/doctor.js'), fix: () => import('./microk8s/fix.js'),
    },
    containerd: {
      configure: () => import('./containerd/configure-mirror.js'), doctor: () => import('./containerd/doctor.js'), fix: () => import('./containerd/fix.js'),
    },
  };
  const groups = [
    { name: 'microk8s' as const, what: 'MicroK8s', certs: '/var/snap/microk8s/current/args/certs.d', config: '/var/snap/microk8s/current/args/containerd-template.toml' },
    { name: 'containerd' as const, what: 'containerd', certs: '/etc/containerd/certs.d', config: '/etc/containerd/config.toml' },
  ];
  for (const g of groups) {
    const group = program.command(g.name).description(`make ${g.what}'s containerd pull through a mirror (hosts.toml), and check it`);
    const dirs = (c: Command): Command => c
      .option('--certs-dir <dir>', `the hosts.toml directory (default ${g.certs})`)
      .option('--containerd-config <file>', `containerd config whose config_path must point at it (default ${g.config})`);
    const which = (c: Command): Command => c
      .option('--registry <name>', 'only this upstream registry\'s hosts.toml (docker.io, ghcr.io, HOST:PORT)')
      .option('--mirror <url>', 'the mirror the configuration should use (registry root, http:// or https://)')
      .option('--project <name>', 'the Harbor proxy-cache project on the mirror (host URL MIRROR/v2/PROJECT)');

    dirs(group.command('configure-mirror')
      .description(`write <certs-dir>/<registry>/hosts.toml: server = the real upstream, the mirror as the first [host]`)
      .option('--registry <name>', 'the upstream registry to mirror, as image names spell it (default docker.io)')
      .option('--mirror <url>', 'the mirror\'s root URL: http://HOST:PORT for plain HTTP, https://HOST:PORT for TLS')
      .option('--project <name>', 'a Harbor proxy-cache project on the mirror: [host."MIRROR/v2/PROJECT"] with override_path = true')
      .option('--upstream <url>', 'the upstream `server` (default https://registry-1.docker.io for docker.io, else https://REGISTRY)')
      .option('--ca-file <file>', 'the https mirror\'s CA certificate: copied next to hosts.toml and referenced with ca = ...')
      .option('--ca-from-server', 'take the https mirror\'s CA from its TLS chain (harborctl serve --tls sends it), install it like --ca-file and print its fingerprint')
      .option('--skip-verify', 'do not verify the https mirror\'s certificate (prefer --ca-file)')
      .option('--all-from <file>', 'configure several upstreams: one "REGISTRY [MIRROR_URL] [PROJECT]" per line, # comments')
      .option('--dry-run', 'print the files and the diff; change nothing')
      .option('--restart [when]', 'then restart containerd: "needed" (default: only when the running containerd has not read config_path yet; hosts.toml itself never needs one) or "always"')
      .option('--restart-command <cmd>', `how to restart containerd on this host, run with sh -c (default: ${g.name === 'microk8s' ? 'snap restart microk8s.daemon-containerd' : 'systemctl restart containerd'})`))
      .action(act(verbs[g.name].configure as () => Promise<Verb>));

    which(dirs(group.command('doctor')
      .description('check every hosts.toml and config_path, probe each mirror\'s /v2/, explain each problem; exits 1 when anything is wrong')
      .option('--docker-daemon-json <file>', 'Docker\'s daemon.json, checked for settings containerd ignores', '/etc/docker/daemon.json')
      .addOption(new Option('--no-probe', 'do not contact the mirrors'))
      .option('--pull <image>', 'also pull IMAGE through containerd (ctr --hosts-dir, temporary namespace) and prove from the mirror\'s audit log that it went through the mirror (needs harborctl login MIRROR)')
      .option('--containerd-address <sock>', `containerd's socket for --pull (default ${g.name === 'microk8s' ? '/var/snap/microk8s/common/run/containerd.sock' : '/run/containerd/containerd.sock'})`)
      .option('--ctr <path>', `the ctr binary for --pull (default ${g.name === 'microk8s' ? '/snap/microk8s/current/bin/ctr' : 'ctr'})`)))
      .action(act(verbs[g.name].doctor as () => Promise<Verb>));

    which(dirs(group.command('fix')
      .description('rewrite every broken hosts.toml into its corrected form (the old one is kept as hosts.toml.bak-TIME)')
      .option('--docker-daemon-json <file>', 'Docker\'s daemon.json, checked for settings containerd ignores', '/etc/docker/daemon.json')
      .addOption(new Option('--no-probe', 'do not contact the mirrors (the scheme of a URL without one is then guessed as https)'))
      .option('--dry-run', 'print the corrected files and the diff; change nothing')))
      .action(act(verbs[g.name].fix as () => Promise<Verb>));
  }
}

// The `microk8s` and `containerd` groups are the same three verbs (configure-mirror, doctor, fix)
// over a different layout: microk8s/index.ts and containerd/index.ts call this with their own paths
// and their own lazily loaded verb files.
import { Option, type Command } from 'commander';
import type { Examples, Kit, Verb } from '../types.js';

export interface MirrorGroup {
  name: 'microk8s' | 'containerd';
  /** The group's --help line. */
  description: string;
  certs: string;
  config: string;
  restartCommand: string;
  address: string;
  ctr: string;
  verbs: { configure: () => Promise<Verb>; doctor: () => Promise<Verb>; fix: () => Promise<Verb> };
}

export function registerMirrorGroup(program: Command, { act }: Kit, g: MirrorGroup): void {
  const group = program.command(g.name).description(g.description);
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
    .option('--restart-command <cmd>', `how to restart containerd on this host, run with sh -c (default: ${g.restartCommand})`))
    .action(act(g.verbs.configure));

  which(dirs(group.command('doctor')
    .description('check every hosts.toml and config_path, probe each mirror\'s /v2/, explain each problem; exits 1 when anything is wrong')
    .option('--docker-daemon-json <file>', 'Docker\'s daemon.json, checked for settings containerd ignores', '/etc/docker/daemon.json')
    .addOption(new Option('--no-probe', 'do not contact the mirrors'))
    .option('--pull <image>', 'also pull IMAGE through containerd (ctr --hosts-dir, temporary namespace) and prove from the mirror\'s audit log that it went through the mirror (needs harborctl login MIRROR)')
    .option('--containerd-address <sock>', `containerd's socket for --pull (default ${g.address})`)
    .option('--ctr <path>', `the ctr binary for --pull (default ${g.ctr})`)))
    .action(act(g.verbs.doctor));

  which(dirs(group.command('fix')
    .description('rewrite every broken hosts.toml into its corrected form (the old one is kept as hosts.toml.bak-TIME)')
    .option('--docker-daemon-json <file>', 'Docker\'s daemon.json, checked for settings containerd ignores', '/etc/docker/daemon.json')
    .addOption(new Option('--no-probe', 'do not contact the mirrors (the scheme of a URL without one is then guessed as https)'))
    .option('--dry-run', 'print the corrected files and the diff; change nothing')))
    .action(act(g.verbs.fix));
}

/** The --help examples of one mirror group. */
export function mirrorExamples(name: MirrorGroup['name']): Examples {
  return {
    '': [`harborctl ${name} configure-mirror --mirror http://192.168.1.140:5280 --project dockerhub`, `harborctl ${name} doctor`],
    'configure-mirror': [
      `harborctl ${name} configure-mirror --mirror http://192.168.1.140:5280 --project dockerhub --dry-run`,
      `harborctl ${name} configure-mirror --registry ghcr.io --mirror https://registry.lan:5280 --ca-from-server --restart`,
    ],
    doctor: [`harborctl ${name} doctor`, `harborctl ${name} doctor --mirror http://192.168.1.140:5280 --project dockerhub --pull docker.io/library/alpine:3`],
    fix: [`harborctl ${name} fix --dry-run`, `harborctl ${name} fix --mirror http://192.168.1.140:5280 --project dockerhub`],
  };
}

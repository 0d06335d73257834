// `harborctl k8s …`: Kubernetes manifests.
import type { Command } from 'commander';
import type { Kit } from '../types.js';

export function register(program: Command, { act }: Kit): void {
  const k8s = program.command('k8s').description('Kubernetes manifests');
  k8s.command('pull-secret <name>').description('print a kubernetes.io/dockerconfigjson Secret, as kubectl create secret docker-registry would')
    .option('--server <url>', 'the registry, used verbatim as the key in auths (like --docker-server)')
    .option('--robot <name>', 'log in as this robot (robot$ is added when missing)')
    .option('-u, --username <user>', 'log in as this user')
    .option('--password-stdin', 'read the password or robot secret from stdin')
    .option('-n, --namespace <ns>', 'the Secret\'s namespace')
    .option('--secret-file <path>', 'write the manifest to this file (mode 0600) instead of stdout')
    .action(act(() => import('./pull-secret.js')));
}

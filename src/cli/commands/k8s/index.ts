// `harborctl k8s …`: Kubernetes manifests.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

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

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl k8s pull-secret regcred --robot apps+puller --password-stdin < puller.secret | kubectl apply -f -'],
  'pull-secret': ['harborctl k8s pull-secret regcred --robot apps+puller --password-stdin < puller.secret | kubectl apply -f -', 'harborctl k8s pull-secret regcred -u alice -n apps --secret-file regcred.yaml'],
};

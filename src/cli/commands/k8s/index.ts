// `harborctl k8s …`: Kubernetes manifests.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act }: Kit): void {
  const k8s = program.command('k8s').description('Kubernetes manifests');
  k8s.command('pull-secret <name>').description('print a kubernetes.io/dockerconfigjson Secret, as kubectl create secret docker-registry would')
    .option('--server <url>', 'the registry, used verbatim as the key in auths (like --docker-server)')
    .option('--robot <name>', 'log in as this robot (the server\'s robot_name_prefix, robot$, is added when missing)')
    .option('-u, --username <user>', 'log in as this user')
    .option('--password-stdin', 'read the password or robot secret from stdin')
    .option('-n, --namespace <ns>', 'the Secret\'s namespace')
    .option('--secret-file <path>', 'write the manifest to this file (mode 0600) instead of stdout')
    .action(act(() => import('./pull-secret.js')));
  k8s.command('manifests').description('print the Deployment, Service, Ingress (ingress-nginx, cert-manager) and PodDisruptionBudget of N harborctl replicas on PostgreSQL and S3')
    .option('--replicas <n>', 'how many replicas (default 2)')
    .option('--host <name>', 'the registry\'s DNS name, for the Ingress and its certificate (default registry.example.com)')
    .option('--storage <url>', 'the serve --storage URL, without credentials (default s3://harborctl?region=us-east-1)')
    .option('--db-secret <name[:key]>', 'the Secret holding the postgres:// URL, and its key (default harborctl-db:url)')
    .option('--s3-secret <name>', 'the Secret with AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (default harborctl-s3; optional in the pod)')
    .option('--admin-secret <name>', 'the Secret with HARBOR_ADMIN_PASSWORD for the first start (default harborctl-admin; optional)')
    .option('--image <ref>', 'the harborctl image (default harborctl:VERSION, built from the Containerfile)')
    .option('--issuer <name>', 'the cert-manager ClusterIssuer (default letsencrypt)')
    .option('--tls-secret <name>', 'the Secret cert-manager fills with the certificate (default NAME-tls)')
    .option('--ingress-class <name>', 'the IngressClass (default nginx)')
    .option('--name <name>', 'the objects\' name (default harborctl)')
    .option('-n, --namespace <ns>', 'the objects\' namespace (default: none, kubectl\'s current one)')
    .option('--cpu <quantity>', 'CPU request per replica (default 250m)')
    .option('--memory <quantity>', 'memory request per replica (default 256Mi)')
    .option('--memory-limit <quantity>', 'memory limit per replica (default 1Gi)')
    .action(act(() => import('./manifests.js')));
  k8s.command('chart').description('write the Helm chart of the same objects (Chart.yaml, values.yaml, templates/) into a directory')
    .option('--out <dir>', 'the chart\'s directory')
    .action(act(() => import('./chart.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl k8s pull-secret regcred --robot apps+puller --password-stdin < puller.secret | kubectl apply -f -',
    'harborctl k8s manifests --replicas 3 --host registry.example.com | kubectl apply -f -'],
  manifests: ["harborctl k8s manifests --replicas 3 --host registry.example.com --storage 's3://registry?endpoint=http://rgw.storage:7480&path_style=true' | kubectl apply -n registry -f -"],
  chart: ['harborctl k8s chart --out ./harborctl-chart && helm install harborctl ./harborctl-chart --set replicas=3 --set host=registry.example.com'],
  'pull-secret': ['harborctl k8s pull-secret regcred --robot apps+puller --password-stdin < puller.secret | kubectl apply -f -', 'harborctl k8s pull-secret regcred -u alice -n apps --secret-file regcred.yaml'],
};

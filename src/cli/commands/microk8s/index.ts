// `harborctl microk8s …`: the mirror verbs (commands/mirror/) on MicroK8s' layout.
import type { Command } from 'commander';
import { mirrorExamples, registerMirrorGroup } from '../mirror/group.js';
import type { Kit } from '../types.js';

export function register(program: Command, kit: Kit): void {
  registerMirrorGroup(program, kit, {
    name: 'microk8s', description: 'make MicroK8s\' containerd pull through a mirror (hosts.toml), and check it',
    certs: '/var/snap/microk8s/current/args/certs.d', config: '/var/snap/microk8s/current/args/containerd-template.toml',
    restartCommand: 'snap restart microk8s.daemon-containerd',
    address: '/var/snap/microk8s/common/run/containerd.sock', ctr: '/snap/microk8s/current/bin/ctr',
    verbs: { configure: () => import('./configure-mirror.js'), doctor: () => import('./doctor.js'), fix: () => import('./fix.js') },
  });
}

export const examples = mirrorExamples('microk8s');

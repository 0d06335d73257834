// `harborctl containerd …`: the mirror verbs (commands/mirror/) on a plain containerd's layout.
import type { Command } from 'commander';
import { mirrorExamples, registerMirrorGroup } from '../mirror/group.js';
import type { Kit } from '../types.js';

export function register(program: Command, kit: Kit): void {
  registerMirrorGroup(program, kit, {
    name: 'containerd', description: 'make containerd pull through a mirror (hosts.toml), and check it',
    certs: '/etc/containerd/certs.d', config: '/etc/containerd/config.toml',
    restartCommand: 'systemctl restart containerd',
    address: '/run/containerd/containerd.sock', ctr: 'ctr',
    verbs: { configure: () => import('./configure-mirror.js'), doctor: () => import('./doctor.js'), fix: () => import('./fix.js') },
  });
}

export const examples = mirrorExamples('containerd');

// The tls command group (issue 6 item 5): a local CA and a server certificate for `serve --tls`, so
// clients (containerd, the CLI) verify the registry instead of skipping verification.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act }: Kit): void {
  const tls = program.command('tls').description('a local CA and server certificate for harborctl serve --tls');
  tls.command('init')
    .description('create <data-dir>/tls: a CA and a server certificate it signs (for localhost, 127.0.0.1, ::1 and every --host)')
    .option('--host <name-or-ip>', 'a DNS name or IP address clients use to reach the registry (repeatable)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--data-dir <dir>', 'the data dir of harborctl serve (env HARBORCTL_DATA_DIR; default $XDG_DATA_HOME/harborctl)')
    .option('--days <n>', 'validity of both certificates in days', '825')
    .option('--force', 'replace an existing CA and certificate (clients must then trust the new CA)')
    .action(act(() => import('./init.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl tls init --host registry.lan --host 192.168.1.140'],
  init: ['harborctl tls init', 'harborctl tls init --host registry.lan --host 192.168.1.140 --days 365 --force'],
};

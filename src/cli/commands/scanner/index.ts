// `harborctl scanner …`: scanner registrations (Harbor's /scanners), system administrators only.
// Registration only; the verbs load lazily.
import type { Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, page, yes }: Kit): void {
  const scanner = program.command('scanner').description('vulnerability scanner adapters (Pluggable Scanner API v1.1; system admins)');
  page(scanner.command('list').description('list the scanner registrations')).action(act(() => import('./list.js')));
  scanner.command('create <name> <url>').description('register a scanner adapter (e.g. Trivy\'s harbor-scanner-trivy)')
    .option('--description <text>', 'a description')
    .option('--auth <type>', 'how to authorize to the adapter: Basic, Bearer or X-ScannerAdapter-API-Key')
    .option('--credential-stdin', 'read the adapter\'s credential from stdin (Basic: user:password)')
    .option('--skip-cert-verify', 'do not verify the adapter\'s TLS certificate')
    .option('--default', 'make it the system default')
    .action(act(() => import('./create.js')));
  scanner.command('default <scanner>').description('make a registration (uuid or name) the system default').action(act(() => import('./default.js')));
  yes(scanner.command('delete <scanner>').description('delete a registration (uuid or name)')).action(act(() => import('./delete.js')));
}

export const examples: Examples = {
  '': ['harborctl scanner create trivy http://trivy-adapter:8080 --default', 'harborctl scanner list'],
  list: ['harborctl scanner list', 'harborctl scanner list -o json'],
  create: ['harborctl scanner create trivy http://trivy-adapter:8080 --default', 'echo "$TOKEN" | harborctl scanner create trivy https://trivy.example.com --auth Bearer --credential-stdin'],
  default: ['harborctl scanner default trivy'],
  delete: ['harborctl scanner delete trivy --yes'],
};

// Registers the `sbom` command group. Actions are imported lazily so `harborctl --help` stays fast.
// scan-local works on files with no registry; generate, get and list talk to any Harbor's API.
import { Option, type Command } from 'commander';
import type { Examples, Kit } from '../types.js';

export function register(program: Command, { act, io, quiet }: Kit): void {
  const sbom = program.command('sbom').description('software bills of materials (SPDX 2.3, CycloneDX 1.6)');
  const format = (): Option => new Option('--format <format>', 'document format').choices(['spdx', 'cyclonedx']).default('spdx');
  sbom.command('scan-local <image>')
    .description('generate an SBOM from an OCI image layout directory, OCI layout tar or docker save tar, without a registry')
    .option('--ref <name>', 'which image, when the layout or archive holds several (ref name or repo:tag)')
    .addOption(format())
    .option('--file <path>', 'write the document to this file instead of stdout')
    .action(async (image: string, opts: { ref?: string; format?: string; file?: string }) => {
      const { scanLocal } = await import('./scan-local.js');
      await scanLocal(io, image, opts);
    });
  sbom.command('generate <reference>')
    .description('have the registry generate the SBOM of an image ([HOST/]PROJECT/REPO:TAG or @DIGEST; an index: each platform)')
    .option('--wait', 'wait until it is done; exit 1 when generation fails')
    .option('--timeout <duration>', 'with --wait: give up after this long (e.g. 90s; default 10m)')
    .action(act(() => import('./generate.js')));
  sbom.command('get <reference>')
    .description('print an image\'s stored SBOM document ([HOST/]PROJECT/REPO:TAG or @DIGEST)')
    .addOption(format())
    .option('--file <path>', 'write the document to this file instead of stdout')
    .action(act(() => import('./get.js')));
  quiet(sbom.command('list <project>')
    .description('list the images of a project with their SBOM status'))
    .action(act(() => import('./list.js')));
}

/** The Examples: section of each --help (main.ts adds them; '' is the group's own). */
export const examples: Examples = {
  '': ['harborctl sbom scan-local ./alpine.tar', 'harborctl sbom generate library/alpine:3 --wait'],
  'scan-local': ['harborctl sbom scan-local ./alpine.tar', 'harborctl sbom scan-local ./oci-layout --ref alpine:3 --format cyclonedx --file alpine.cdx.json'],
  generate: ['harborctl sbom generate library/alpine:3', 'harborctl sbom generate library/alpine:3 --wait --timeout 5m'],
  get: ['harborctl sbom get library/alpine:3', 'harborctl sbom get library/alpine:3 --format cyclonedx --file alpine.cdx.json'],
  list: ['harborctl sbom list library', 'harborctl sbom list library -o json'],
};

// Registers the `sbom` command group. Actions are imported lazily so `harborctl --help` stays fast.
// Returns the group so the registry-side verbs (generate, get, list) can be added to it.
import { Command, Option } from 'commander';
import type { OutStream } from '../runtime.js';

export interface SbomIo { stdout: OutStream; stderr: OutStream }

export function registerSbomCommands(program: Command, io?: SbomIo): Command {
  const sbom = program.command('sbom').description('software bills of materials (SPDX 2.3, CycloneDX 1.6)');
  sbom.command('scan-local <image>')
    .description('generate an SBOM from an OCI image layout directory, OCI layout tar or docker save tar, without a registry')
    .option('--ref <name>', 'which image, when the layout or archive holds several (ref name or repo:tag)')
    .addOption(new Option('--format <format>', 'document format').choices(['spdx', 'cyclonedx']).default('spdx'))
    .option('--file <path>', 'write the document to this file instead of stdout')
    .action(async (image: string, opts: { ref?: string; format?: string; file?: string }) => {
      const { scanLocal } = await import('./sbom/scan-local.js');
      await scanLocal(io ?? { stdout: process.stdout, stderr: process.stderr }, image, opts);
    });
  return sbom;
}

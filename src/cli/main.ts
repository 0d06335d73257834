// The program: commander registers commands; each action is imported lazily so `--help` stays fast.
// This is the only place that prints an error and sets the exit code.
import { Command, CommanderError, Option } from 'commander';
import { readFileSync } from 'node:fs';
import { ExitCode, isHarborError } from '../core/errors.js';

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function buildProgram(): Command {
  const program = new Command('harborctl')
    .description('A Harbor-compatible container registry in one binary, and the admin CLI for any Harbor')
    .version(version(), '-V, --version')
    .showHelpAfterError()
    .exitOverride();

  program.command('serve')
    .description('run the embedded registry (OCI Distribution v1.1) until SIGINT/SIGTERM')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:5280')
    .option('--data-dir <dir>', 'where blobs and the database live (env HARBORCTL_DATA_DIR; default $XDG_DATA_HOME/harborctl)')
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .addOption(new Option('--log-level <level>', 'debug, info, warn, error or silent').default('info'))
    .option('--upload-ttl <duration>', 'abandon upload sessions idle this long (e.g. 30m, 24h)', '24h')
    .action(async (opts) => (await import('./commands/serve.js')).serve(opts));

  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed help, the version, or its own usage message.
      process.exitCode = e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      return;
    }
    if (isHarborError(e)) {
      process.stderr.write(`harborctl: ${e.message}\n`);
      process.exitCode = e.exitCode;
      return;
    }
    process.stderr.write(`harborctl: ${e instanceof Error ? e.message : String(e)}\n`);
    process.exitCode = ExitCode.error;
  }
}

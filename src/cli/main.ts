// The program: commander registers commands; each action is imported lazily so `--help` stays fast.
// This is the only place that prints an error and sets the exit code.
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, isHarborError } from '../core/errors.js';
import { harborctlVersion } from '../core/version.js';
import { registerAuditLogCommands } from './commands/audit-log.register.js';
import { registerMirrorCommands } from './commands/mirror.register.js';
import { registerModelCommands } from './commands/model.register.js';
import { registerRegistryCommands } from './commands/registry.register.js';
import { registerRobotQuotaCommands } from './commands/robot-quota.register.js';
import { registerSbomCommands } from './commands/sbom.register.js';
import { registerTlsCommands } from './commands/tls.register.js';
import { OUTPUT_FORMATS } from './output/formats.js';
import type { GlobalOptions, Io, Runtime } from './runtime.js';

/** The real process streams; tests pass their own. */
function processIo(): Io {
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env, signals: true };
}


/** A verb module: src/cli/commands/<noun>/<verb>.ts exports run(rt, positional args, options). */
export type Verb = { run(rt: Runtime, args: string[], opts: never): Promise<void> };
/** main.ts's lazy action wrapper, as the *.register.ts files receive it. */
export type Act = (load: () => Promise<Verb>) => (...args: unknown[]) => Promise<void>;

export function buildProgram(io: Io = processIo()): Command {
  const program = new Command('harborctl')
    .description('A Harbor-compatible container registry in one binary, and the admin CLI for any Harbor')
    .version(harborctlVersion(), '-V, --version')
    .configureOutput({
      writeOut: (s) => { io.stdout.write(s); },
      writeErr: (s) => { io.stderr.write(s); },
      // Usage errors read like every other error: one line, `harborctl: …`.
      outputError: (s, write) => write(s.replace(/^error: /, 'harborctl: ')),
    })
    .exitOverride()
    .addOption(new Option('-o, --output <format>', 'output format').choices(OUTPUT_FORMATS).default('table'))
    .option('--context <name>', 'use this saved context instead of the current one')
    .option('--server <url>', 'talk to this Harbor (HOST[:PORT] or URL) instead of the context\'s')
    .option('--ca-file <file>', 'trust the CA certificate(s) in this PEM file')
    .option('--insecure', 'skip TLS certificate verification (dangerous)')
    .option('--no-input', 'never prompt; fail with exit code 4 when input is missing')
    .option('--debug', 'log each HTTP request and response (never credentials) on stderr');

  // Commander passes (...positional, options, command); the verb gets the positional args, its own
  // and the global options merged, and a Runtime built from the globals.
  const act = (load: () => Promise<Verb>) => async (...args: unknown[]): Promise<void> => {
    const cmd = args[args.length - 1] as Command;
    const opts = cmd.optsWithGlobals() as GlobalOptions & Record<string, unknown>;
    const [{ Runtime: RuntimeClass }, verb] = await Promise.all([import('./runtime.js'), load()]);
    const rt = new RuntimeClass(io, opts);
    // Ctrl-C while waiting on the network: one line and exit code 130, not a stack or a silent death.
    const interrupted = (): void => {
      io.stderr.write('harborctl: interrupted\n');
      process.exit(ExitCode.interrupted);
    };
    if (io.signals) process.once('SIGINT', interrupted);
    try {
      // Optional arguments (`login [server]`) arrive as undefined, in their positions.
      await verb.run(rt, args.slice(0, -2) as string[], opts as never);
    } finally {
      if (io.signals) process.off('SIGINT', interrupted);
    }
  };
  const page = (c: Command): Command => c
    .option('--page <n>', 'page number, from 1', '1')
    .option('--page-size <n>', 'items per page, at most 100; 0 fetches every page', '10');
  const yes = (c: Command): Command => c.option('-y, --yes', 'do not ask for confirmation');

  program.command('serve')
    .description('run the embedded registry (OCI Distribution v1.1) until SIGINT/SIGTERM')
    .option('--listen <host:port>', 'address to listen on', '127.0.0.1:5280')
    .option('--data-dir <dir>', 'where blobs and the database live (env HARBORCTL_DATA_DIR; default $XDG_DATA_HOME/harborctl)')
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate (with --tls-key)')
    .option('--tls-key <file>', 'PEM private key for --tls-cert')
    .option('--tls', 'serve HTTPS with the certificate `harborctl tls init` made in the data dir')
    .addOption(new Option('--log-level <level>', 'debug, info, warn, error or silent').default('info'))
    .option('--upload-ttl <duration>', 'abandon upload sessions idle this long (e.g. 30m, 24h)', '24h')
    .option('--proxy-revalidate <duration>', 'proxy-cache projects: check a cached tag against the upstream at most this often', '5m')
    .option('--proxy-timeout <duration>', 'proxy-cache projects: serve the cache when the upstream takes longer than this to answer', '15s')
    .option('--body-idle-timeout <duration>', 'close a connection whose request body sends nothing for this long', '60s')
    .option('--max-connections-per-client <n>', 'refuse connections beyond this many open ones from one client address', '256')
    // No commander default: serve tells the default address (busy: warn, go on) from a chosen one (busy: fail).
    .option('--metrics-listen <host:port|off>', 'serve Prometheus metrics on GET /metrics at this address (default 127.0.0.1:5281); off: none')
    .action(async (_opts, cmd: Command) => (await import('./commands/serve.js')).serve(cmd.opts()));

  // Access
  program.command('login [server]')
    .description('log in to a Harbor and save it as a context (checks the credentials first)')
    .option('-u, --username <user>', 'user name (asked on a terminal when missing)')
    .option('--password-stdin', 'read the password from stdin')
    .option('--name <context>', 'context name (default USER@HOST)')
    .option('--docker-config', 'also write the credentials to $DOCKER_CONFIG/config.json (~/.docker) for docker, podman and skopeo')
    .action(act(() => import('./commands/login.js')));
  program.command('logout [context]')
    .description('forget a saved context (the current one by default)')
    .option('--docker-config', 'also remove the server from $DOCKER_CONFIG/config.json')
    .action(act(() => import('./commands/logout.js')));
  program.command('whoami')
    .description('show the user the server sees')
    .action(act(() => import('./commands/whoami.js')));
  const context = program.command('context').description('saved servers and credentials');
  context.command('list').description('list contexts').action(act(() => import('./commands/context/list.js')));
  context.command('use <name>').description('make a context the current one').action(act(() => import('./commands/context/use.js')));
  context.command('current').description('show the context commands use now').action(act(() => import('./commands/context/current.js')));

  // Projects and members
  const project = program.command('project').description('projects');
  project.command('create <name>').description('create a project')
    .option('--public', 'anyone may pull from it')
    .option('--storage-limit <size>', 'storage quota, e.g. 10GiB, 500MB; -1 for unlimited')
    .option('--proxy-cache <registry>', 'make it a proxy cache of this registry endpoint (name or id; system admins only)')
    .action(act(() => import('./commands/project/create.js')));
  page(project.command('list').description('list projects')
    .option('--name <text>', 'only projects whose name contains this')
    .option('--public', 'only public projects')
    .option('--private', 'only private projects'))
    .action(act(() => import('./commands/project/list.js')));
  project.command('get <project>').description('show a project (name or id)').action(act(() => import('./commands/project/get.js')));
  project.command('update <project>').description('change a project')
    .option('--public', 'make it public')
    .option('--private', 'make it private')
    .option('--storage-limit <size>', 'storage quota, e.g. 10GiB; -1 for unlimited')
    .option('--auto-sbom [bool]', 'generate an SBOM of every image pushed (true or false; alone: true)')
    .action(act(() => import('./commands/project/update.js')));
  yes(project.command('delete <project>').description('delete an empty project')).action(act(() => import('./commands/project/delete.js')));

  const member = program.command('member').description('project members and their roles');
  member.command('add <project> <user>').description('give a user a role in a project')
    .option('--role <role>', 'admin, maintainer, developer, guest or limited-guest', 'developer')
    .action(act(() => import('./commands/member/add.js')));
  page(member.command('list <project>').description('list the members of a project')
    .option('--name <text>', 'only members whose name contains this'))
    .action(act(() => import('./commands/member/list.js')));
  member.command('update <project> <member>').description('change a member\'s role (member: user name or member id)')
    .requiredOption('--role <role>', 'admin, maintainer, developer, guest or limited-guest')
    .action(act(() => import('./commands/member/update.js')));
  yes(member.command('remove <project> <member>').description('remove a member from a project')).action(act(() => import('./commands/member/remove.js')));

  const user = program.command('user').description('users (system admins only)');
  user.command('create <username>').description('create a user')
    .option('--email <email>', 'e-mail address')
    .option('--realname <name>', 'full name (default: the user name)')
    .option('--comment <text>', 'a comment')
    .option('--password-stdin', 'read the password from stdin')
    .action(act(() => import('./commands/user/create.js')));
  page(user.command('list').description('list users').option('--name <text>', 'only users whose name contains this'))
    .action(act(() => import('./commands/user/list.js')));
  yes(user.command('delete <user>').description('delete a user (name or id)')).action(act(() => import('./commands/user/delete.js')));
  user.command('passwd [user]').description('set a user\'s password (your own by default)')
    .option('--password-stdin', 'read the new password from stdin')
    .action(act(() => import('./commands/user/passwd.js')));

  // Content
  const repo = program.command('repo').description('repositories');
  page(repo.command('list <project>').description('list the repositories of a project')).action(act(() => import('./commands/repo/list.js')));
  yes(repo.command('delete <repository>').description('delete a repository and all its artifacts ([HOST/]PROJECT/REPO)'))
    .action(act(() => import('./commands/repo/delete.js')));
  const artifact = program.command('artifact').description('artifacts (images, indexes, OCI artifacts)');
  page(artifact.command('list <repository>').description('list the artifacts of a repository ([HOST/]PROJECT/REPO)'))
    .action(act(() => import('./commands/artifact/list.js')));
  artifact.command('get <reference>').description('show an artifact ([HOST/]PROJECT/REPO:TAG or @DIGEST)').action(act(() => import('./commands/artifact/get.js')));
  yes(artifact.command('delete <reference>').description('delete an artifact and all its tags')).action(act(() => import('./commands/artifact/delete.js')));
  const tag = program.command('tag').description('tags');
  page(tag.command('list <reference>').description('list the tags of a repository or of one artifact')).action(act(() => import('./commands/tag/list.js')));
  tag.command('create <reference> <tag>').description('add a tag to an artifact').action(act(() => import('./commands/tag/create.js')));
  yes(tag.command('delete <reference>').description('delete a tag (PROJECT/REPO:TAG); the artifact stays')).action(act(() => import('./commands/tag/delete.js')));

  // Cluster mirrors (microk8s, containerd) and SBOMs register their own groups, with lazy actions.
  registerRobotQuotaCommands(program, act, page, yes);
  registerRegistryCommands(program, act, page, yes);
  registerModelCommands(program, act);
  registerMirrorCommands(program, io);
  registerSbomCommands(program, io, act);
  registerTlsCommands(program, act);
  registerAuditLogCommands(program, act, page);

  return program;
}

/** Runs the CLI with these streams and returns the exit code (tests call this in-process). */
export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  const program = buildProgram(io);
  const debug = argv.includes('--debug');
  try {
    await program.parseAsync(argv);
    return ExitCode.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander already printed help, the version, or its own usage message.
      return e.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    if (isHarborError(e)) {
      io.stderr.write(`harborctl: ${e.message}\n`);
      const rid = (e.detail as { request_id?: string } | undefined)?.request_id;
      if (debug && rid) io.stderr.write(`debug: request id ${rid}\n`);
      return e.exitCode;
    }
    io.stderr.write(`harborctl: ${e instanceof Error ? e.message : String(e)}\n`);
    if (debug && e instanceof Error && e.stack) io.stderr.write(`${e.stack}\n`);
    return ExitCode.error;
  }
}

export async function main(argv: string[]): Promise<void> {
  process.exitCode = await run(argv);
}

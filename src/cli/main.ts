// The program: commander registers commands; each action is imported lazily so `--help` stays fast.
// This is the only place that prints an error and sets the exit code.
import { Command, CommanderError, Option } from 'commander';
import { ExitCode, isHarborError } from '../core/errors.js';
import { harborctlVersion } from '../core/version.js';
import * as access from './commands/access/index.js';
import * as artifact from './commands/artifact/index.js';
import * as auditLog from './commands/audit-log/index.js';
import * as gc from './commands/gc/index.js';
import * as scanAll from './commands/scan-all/index.js';
import * as immutable from './commands/immutable/index.js';
import * as cache from './commands/cache/index.js';
import * as containerd from './commands/containerd/index.js';
import * as context from './commands/context/index.js';
import * as k8s from './commands/k8s/index.js';
import * as member from './commands/member/index.js';
import * as microk8s from './commands/microk8s/index.js';
import * as migrate from './commands/migrate/index.js';
import * as model from './commands/model/index.js';
import * as project from './commands/project/index.js';
import * as quota from './commands/quota/index.js';
import * as config from './commands/config/index.js';
import * as registry from './commands/registry/index.js';
import * as retention from './commands/retention/index.js';
import * as webhook from './commands/webhook/index.js';
import * as replication from './commands/replication/index.js';
import * as repo from './commands/repo/index.js';
import * as label from './commands/label/index.js';
import * as robot from './commands/robot/index.js';
import * as sbom from './commands/sbom/index.js';
import * as scan from './commands/scan/index.js';
import * as scanner from './commands/scanner/index.js';
import * as serve from './commands/serve/index.js';
import * as system from './commands/system/index.js';
import * as tag from './commands/tag/index.js';
import * as tls from './commands/tls/index.js';
import * as user from './commands/user/index.js';
import type { Examples, Kit, NounModule, Verb } from './commands/types.js';
import { OUTPUT_FORMATS } from './output/formats.js';
import type { GlobalOptions, Io } from './runtime.js';

/** The real process streams; tests pass their own. */
function processIo(): Io {
  // process.stdin makes its stream when first read (~2.5 ms): only the commands that read it pay.
  return { stdout: process.stdout, stderr: process.stderr, get stdin() { return process.stdin; }, env: process.env, signals: true };
}

/**
 * The command groups, in the order --help lists them. Each commands/<noun>/index.ts registers its
 * own verbs (commands/types.ts says how); access/ holds the top-level login, logout and whoami,
 * system/ the top-level health and info.
 */

/** harbor-cli's words, on every verb of that name: `project view`, `robot rm`. */
const ALIASES: Record<string, string[]> = { get: ['view', 'info'], delete: ['rm'], use: ['switch'] };

const ROOT_EXAMPLES = ['harborctl serve', 'harborctl login harbor.example.com -u alice', 'harborctl project list'];

/** "Examples:" at the end of a --help page, like the README's. */
function addExamples(c: Command, lines: string[] | undefined): void {
  if (lines?.length) c.addHelpText('after', `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}`);
}

/**
 * A noun's new top-level commands: a group gets examples[''] and its verbs theirs; a top-level verb
 * its own; a verb's own verbs (`artifact label add`) theirs under 'label add'.
 */
function addNounExamples(added: Command[], examples: Examples): void {
  for (const c of added) {
    if (c.commands.length === 0) { addExamples(c, examples[c.name()]); continue; }
    addExamples(c, examples['']);
    for (const verb of c.commands) {
      addExamples(verb, examples[verb.name()]);
      for (const sub of verb.commands) addExamples(sub, examples[`${verb.name()} ${sub.name()}`]);
    }
  }
}

function addAliases(c: Command): void {
  for (const sub of c.commands) {
    if (Object.hasOwn(ALIASES, sub.name())) sub.aliases(ALIASES[sub.name()]);
    addAliases(sub);
  }
}
const NOUNS: NounModule[] = [serve, migrate, access, system, context, project, member, user, repo, artifact, tag, label, robot, quota, config, immutable, retention, webhook, gc, k8s, registry, replication, cache, model, microk8s, containerd, sbom, scan, scanner, scanAll, tls, auditLog];

/**
 * The program with its commands. Given the process's argv, only what that command needs: the nouns
 * in NOUNS' order up to the one that adds the first word's command (`serve` is first: registering
 * all of them took ~15 ms of every start), none for `--version`, and every one for anything else
 * (--help, `help`, a mistyped command, whose suggestion needs them all).
 */
export function buildProgram(io: Io = processIo(), argv?: readonly string[]): Command {
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
    .option('--timeout <duration>', 'give up on a server silent this long: to connect, to answer, between chunks of a transfer (e.g. 10s, 2m; default 30s, 5m for model push/pull)')
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
  const quiet = (c: Command): Command => c.option('-q, --quiet', 'print names (or ids) only, one a line');
  const page = (c: Command): Command => quiet(c)
    .option('--page <n>', 'page number, from 1', '1')
    .option('--page-size <n>', 'items per page, at most 100; 0 fetches every page', '10');
  const yes = (c: Command): Command => c.option('-y, --yes', 'do not ask for confirmation');

  const kit: Kit = { io, act, page, quiet, yes };
  const first = argv?.[2];
  const nouns = first === '-V' || first === '--version' ? [] : NOUNS;
  for (const noun of nouns) {
    const before = new Set(program.commands);
    noun.register(program, kit);
    const added = program.commands.filter((c) => !before.has(c));
    addNounExamples(added, noun.examples);
    if (first && added.some((c) => c.name() === first || c.aliases().includes(first))) break;
  }
  addExamples(program, ROOT_EXAMPLES);
  addAliases(program);
  return program;
}

/** Runs the CLI with these streams and returns the exit code (tests call this in-process). */
export async function run(argv: string[], io: Io = processIo()): Promise<number> {
  const program = buildProgram(io, argv);
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
  // undici parses HTTP with llhttp, in WebAssembly, which V8 then optimizes on a background thread
  // that a short command's exit waits for. The API client is on node:http (no WebAssembly), so this
  // now matters to the commands that load undici, model push/pull/inspect: `project list` on undici
  // took 260 ms wall with the flag, 340 ms without; on node:http 150 ms either way (11 runs each,
  // against a local server). A command's few responses parse as fast unoptimized; the long-running
  // server keeps the optimizing tier (and does not load node:v8).
  if (!argv.slice(2).includes('serve')) process.getBuiltinModule('node:v8').setFlagsFromString('--liftoff-only');
  process.exitCode = await run(argv);
}

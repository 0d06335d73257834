// Spinners and prompts, only for a person at a terminal: a spinner needs stderr and stdout on a TTY and
// -o table; a prompt needs stdin and stderr on a TTY and no --no-input. Otherwise a prompt is an error
// (exit code 4) that names the flag to pass instead.
import { HarborError } from '../../core/errors.js';
import type { Runtime } from '../runtime.js';

export function canPrompt(rt: Runtime): boolean {
  return rt.opts.input && Boolean(rt.io.stdin.isTTY) && Boolean(rt.io.stderr.isTTY);
}

function needsInput(what: string, flag: string): HarborError {
  return new HarborError('NEEDS_INPUT', `${what} required: pass ${flag} (no terminal to ask on)`);
}

/** Inquirer's Ctrl-C becomes our "interrupted" (exit 130). */
function interrupted(e: unknown): unknown {
  return e instanceof Error && e.name === 'ExitPromptError' ? new HarborError('INTERRUPTED') : e;
}

export async function askPassword(rt: Runtime, message: string, flag: string): Promise<string> {
  if (!canPrompt(rt)) throw needsInput('a password is', flag);
  const { password } = await import('@inquirer/prompts');
  try {
    // No mask: like podman and sudo nothing is echoed (one * per character would tell the length).
    return await password({ message }, { input: rt.io.stdin, output: rt.io.stderr as NodeJS.WritableStream });
  } catch (e) {
    throw interrupted(e);
  }
}

export async function askText(rt: Runtime, message: string, flag: string): Promise<string> {
  if (!canPrompt(rt)) throw needsInput(message.replace(/:$/, '') + ' is', flag);
  const { input } = await import('@inquirer/prompts');
  try {
    return await input({ message, required: true }, { input: rt.io.stdin, output: rt.io.stderr as NodeJS.WritableStream });
  } catch (e) {
    throw interrupted(e);
  }
}

/** Destructive commands: --yes, else a yes/no question on a TTY, else exit 4. */
export async function confirm(rt: Runtime, yes: boolean | undefined, question: string): Promise<void> {
  if (yes) return;
  if (!canPrompt(rt)) throw new HarborError('NEEDS_INPUT', `${question.replace(/\?$/, '')}: confirmation required, pass --yes`);
  const { confirm: ask } = await import('@inquirer/prompts');
  let ok: boolean;
  try {
    ok = await ask({ message: question, default: false }, { input: rt.io.stdin, output: rt.io.stderr as NodeJS.WritableStream });
  } catch (e) {
    throw interrupted(e);
  }
  if (!ok) throw new HarborError('INTERRUPTED', 'cancelled');
}

/** Reads all of stdin (for --password-stdin) and drops one trailing newline. */
export async function readStdin(rt: Runtime): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of rt.io.stdin) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Runs fn under an ora spinner on stderr when a person is watching; otherwise just runs it. */
export async function withSpinner<T>(rt: Runtime, text: string, fn: () => Promise<T>): Promise<T> {
  return withProgress(rt, text, () => fn());
}

/**
 * withSpinner whose text fn changes as it goes (a progress bar). Without a person watching, each
 * new text goes to stderr as a line through rt.info (so -o json and -q stay quiet).
 */
export async function withProgress<T>(rt: Runtime, text: string, fn: (show: (text: string) => void) => Promise<T>): Promise<T> {
  // A terminal that reports no width (a bare pty) would make ora redraw forever: no spinner there.
  const columns = (rt.io.stderr as { columns?: number }).columns ?? 0;
  const tty = rt.opts.output === 'table' && !rt.opts.debug && Boolean(rt.io.stderr.isTTY) && Boolean(rt.io.stdout.isTTY) && columns > 0;
  if (!tty) {
    let last = '';
    return fn((t) => { if (t !== last) rt.info(`${text}: ${t}`); last = t; });
  }
  const { default: ora } = await import('ora');
  const spinner = ora({ text, stream: rt.io.stderr as NodeJS.WritableStream, discardStdin: false }).start();
  try {
    return await fn((t) => { spinner.text = `${text} ${t}`; });
  } finally {
    spinner.stop();
  }
}

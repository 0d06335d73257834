// What a command folder needs to register its verbs. Below both main.ts and the folders, so no
// folder imports main.ts. A new noun: a folder commands/<noun>/ with one file per verb and an
// index.ts exporting `register(program, kit)` and the `examples` of its --help pages, listed once in main.ts.
import type { Command } from 'commander';
import type { Io, Runtime } from '../runtime.js';

/** A verb module: commands/<noun>/<verb>.ts exports run(rt, positional args, options). */
export interface Verb { run(rt: Runtime, args: string[], opts: never): Promise<void> }

export interface Kit {
  /** The streams the program writes to (tests pass their own). */
  io: Io;
  /** Wraps a lazily imported verb as a commander action (main.ts owns it: Runtime, Ctrl-C). */
  act(load: () => Promise<Verb>): (...args: unknown[]) => Promise<void>;
  /** Adds --page and --page-size. */
  page(c: Command): Command;
  /** Adds -q/--quiet (names only) to a list command; page() adds it too. */
  quiet(c: Command): Command;
  /** Adds -y/--yes. */
  yes(c: Command): Command;
}

/** Each --help ends with examples: the verb's by its name, the group's own under ''. */
export type Examples = Record<string, string[]>;

/** What each commands/<noun>/index.ts exports. */
export interface NounModule {
  register(program: Command, kit: Kit): void;
  examples: Examples;
}

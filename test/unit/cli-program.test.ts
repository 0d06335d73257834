// buildProgram(io, argv) registers only what the command needs (issue 20: every start registered
// all ~30 nouns, ~15 ms): the nouns up to the one with the first word's command, none for
// --version, all of them for anything it cannot place.
import { Readable, Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { buildProgram, run } from '../../src/cli/main.js';
import type { Io } from '../../src/cli/runtime.js';

const names = (argv?: string[]): string[] => buildProgram(io().io, argv).commands.map((c) => c.name());

function io(): { io: Io; out: () => string; err: () => string } {
  let out = '';
  let err = '';
  const sink = (add: (s: string) => void): Writable => new Writable({ write(c: Buffer, _e, cb) { add(c.toString()); cb(); } });
  return {
    io: { stdout: sink((s) => { out += s; }) as never, stderr: sink((s) => { err += s; }) as never, stdin: Readable.from([]), env: {} },
    out: () => out, err: () => err,
  };
}

describe('buildProgram(io, argv)', () => {
  const all = names();

  it('registers every command without argv, for --help, for `help` and for a word it does not know', () => {
    expect(all).toEqual(expect.arrayContaining(['serve', 'login', 'project', 'webhook', 'audit-log', 'microk8s', 'containerd']));
    for (const argv of [['--help'], ['-o', 'json', 'project', 'list'], ['help', 'project'], ['projct', 'list'], []]) {
      expect(names(['node', 'harborctl', ...argv])).toEqual(all);
    }
  });

  it('registers the nouns up to the first word\'s command, in the same order', () => {
    expect(names(['node', 'harborctl', 'serve', '--listen', ':0'])).toEqual(['serve']);
    const project = names(['node', 'harborctl', 'project', 'list']);
    expect(project).toEqual(all.slice(0, all.indexOf('project') + 1));
    // A noun that registers several top-level commands (login, logout, whoami): any of them.
    expect(names(['node', 'harborctl', 'whoami'])).toContain('whoami');
    expect(names(['node', 'harborctl', 'audit-log', 'list'])).toEqual(all);
  });

  it('registers none for --version, which still prints it', async () => {
    expect(names(['node', 'harborctl', '--version'])).toEqual([]);
    expect(names(['node', 'harborctl', '-V'])).toEqual([]);
    const v = io();
    expect(await run(['node', 'harborctl', '--version'], v.io)).toBe(0);
    expect(v.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('a mistyped command is still a usage error with commander\'s suggestion', async () => {
    const r = io();
    expect(await run(['node', 'harborctl', 'projct', 'list'], r.io)).toBe(2);
    expect(r.err()).toBe("harborctl: unknown command 'projct'\n(Did you mean project?)\n");
  });
});

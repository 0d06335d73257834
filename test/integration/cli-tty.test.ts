// Spinners and prompts decide by the streams: with a TTY on stdout and stderr a spinner may draw on
// stderr (never stdout); with -o json/yaml or --no-input nothing interactive happens.
import { PassThrough, Readable } from 'node:stream';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { run } from '../../src/cli/main.js';
import { cli, cliEnv, type CliEnv } from '../helpers/cli.js';
import { startFakeHarbor, type FakeHarbor } from '../helpers/fake-harbor.js';

let fake: FakeHarbor;
let sandbox: CliEnv;

beforeAll(async () => {
  fake = await startFakeHarbor();
  sandbox = await cliEnv();
  expect((await cli(sandbox.env, ['login', fake.url, '-u', 'admin', '--password-stdin'], { stdin: 'Harbor12345' })).code).toBe(0);
});
afterAll(async () => { await fake.close(); await sandbox.cleanup(); });

function ttyStream(): PassThrough & { isTTY: boolean; columns: number; text(): string } {
  const s = new PassThrough() as PassThrough & { isTTY: boolean; columns: number; text(): string; cursorTo(): boolean; clearLine(): boolean; moveCursor(): boolean };
  let text = '';
  s.on('data', (c: Buffer) => { text += c.toString(); });
  s.isTTY = true;
  s.columns = 80;
  s.cursorTo = () => true;
  s.clearLine = () => true;
  s.moveCursor = () => true;
  s.text = () => text;
  return s;
}

async function runTty(args: string[], stdinTty: boolean, columns = 80): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = ttyStream();
  const stderr = ttyStream();
  stderr.columns = columns;
  const stdin = Readable.from([]) as NodeJS.ReadableStream & { isTTY?: boolean };
  stdin.isTTY = stdinTty;
  const code = await run(['node', 'harborctl', ...args], { stdout, stderr, stdin, env: { ...sandbox.env, NO_COLOR: '1' } });
  await new Promise((r) => setImmediate(r));
  return { code, stdout: stdout.text(), stderr: stderr.text() };
}

test('-o json on a terminal: pure JSON on stdout, nothing on stderr', async () => {
  const r = await runTty(['project', 'list', '-o', 'json'], true);
  expect(r.code).toBe(0);
  expect(JSON.parse(r.stdout)[0].name).toBe('library');
  expect(r.stderr).toBe('');
});

test('a table on a terminal: the table on stdout, any spinner only on stderr', async () => {
  const r = await runTty(['project', 'list'], true);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^ID\s+NAME\s+ACCESS/);
  expect(r.stdout).not.toContain('listing projects');
  expect(r.stderr).toContain('listing projects');
});

test('a terminal that reports no width gets no spinner (ora would redraw forever)', async () => {
  const r = await runTty(['project', 'list'], true, 0);
  expect(r.code).toBe(0);
  expect(r.stdout).toMatch(/^ID\s+NAME\s+ACCESS/);
  expect(r.stderr).toBe('');
});

test('--no-input on a terminal: no prompt, exit 4', async () => {
  const r = await runTty(['user', 'create', 'zed', '--no-input'], true);
  expect(r.code).toBe(4);
  expect(r.stderr).toBe('harborctl: a password is required: pass --password-stdin (no terminal to ask on)\n');
  const d = await runTty(['project', 'delete', 'library', '--no-input'], true);
  expect(d.code).toBe(4);
});

test('piped stdin (not a TTY) never prompts, even with TTY output', async () => {
  const r = await runTty(['user', 'create', 'zed'], false);
  expect(r.code).toBe(4);
  expect(r.stdout).toBe('');
});

test('on a terminal a missing password is asked for (masked, on stderr) instead of failing', async () => {
  const stdout = ttyStream();
  const stderr = ttyStream();
  const stdin = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode(): void };
  stdin.isTTY = true;
  stdin.setRawMode = () => {};
  const done = run(['node', 'harborctl', 'user', 'create', 'zed', '-o', 'json'], { stdout, stderr, stdin, env: sandbox.env });
  // Type once the prompt is on screen.
  for (let i = 0; i < 200 && !stderr.text().includes('Password for zed'); i++) await new Promise((r) => setTimeout(r, 10));
  stdin.write('Zed123456\r');
  const code = await done;
  expect(code).toBe(0);
  expect(JSON.parse(stdout.text()).username).toBe('zed');
  expect(stderr.text()).toContain('Password for zed');
  expect(stderr.text()).not.toContain('Zed123456');
  // Nothing is echoed, not even one * per character (that tells the length): issue 12 item 23.
  expect(stderr.text()).not.toContain('*');
  expect(fake.users.find((u) => u.username === 'zed')!.password).toBe('Zed123456');
});

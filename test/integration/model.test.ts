// `harborctl model push/pull/inspect/list` in-process against the real server on port 0, and the OCI
// registry client underneath (token dance, chunked and resumed uploads, verified downloads).
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryClient, parseChallenge, rangeOffset } from '../../src/client/registry.js';
import { digestOf } from '../../src/oci/digest.js';
import { cli, cliEnv, json, type CliEnv, type CliResult } from '../helpers/cli.js';
import { makeModelDir, sha256OfFile, treeOf, writeRandomFile } from '../helpers/model.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const MiB = 1024 * 1024;
let server: TestServer;
let sandbox: CliEnv;
let work: string;
const h = (args: string[], stdin?: string): Promise<CliResult> => cli(sandbox.env, args, { stdin });
const admin = { username: 'admin', password: 'Harbor12345' };

beforeAll(async () => {
  server = await startTestServer({ adminPassword: admin.password, logLevel: 'silent' });
  sandbox = await cliEnv({ HARBORCTL_DATA_DIR: server.dataDir });
  work = await mkdtemp(join(tmpdir(), 'harborctl-model-'));
});
afterAll(async () => {
  await server?.close();
  await sandbox?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('registry client', () => {
  test('challenge and Range parsing', () => {
    expect(parseChallenge('Bearer realm="http://h/service/token",service="harbor-registry",scope="repository:a/b:pull"')).toEqual({
      scheme: 'bearer', params: { realm: 'http://h/service/token', service: 'harbor-registry', scope: 'repository:a/b:pull' },
    });
    expect(parseChallenge('Basic realm="harbor"')?.scheme).toBe('basic');
    expect(rangeOffset('0-1023')).toBe(1024);
    expect(rangeOffset('0-0')).toBe(0);
    expect(rangeOffset(undefined)).toBe(0);
  });

  test('chunked upload, an interrupted session continued from its Range, and a verified download', async () => {
    const c = new RegistryClient({ server: server.url, credentials: admin });
    try {
      const file = join(work, 'blob.bin');
      await writeRandomFile(file, 5 * MiB + 123);
      const digest = await sha256OfFile(file);
      const size = 5 * MiB + 123;
      expect(await c.blobSize('library/client', digest)).toBeNull();
      // Two chunks by hand, then "crash": a new pushFile continues the same session.
      let s = await c.startUpload('library/client');
      s = await c.uploadChunk('library/client', s, file, MiB);
      s = await c.uploadChunk('library/client', s, file, 2 * MiB);
      expect(s.offset).toBe(2 * MiB);
      expect((await c.uploadStatus('library/client', s.location))?.offset).toBe(2 * MiB);
      const sent = await c.pushFile('library/client', { digest, size, path: file }, { chunkSize: MiB, resume: s.location });
      expect(sent).toBe(size - 2 * MiB);
      expect(await c.blobSize('library/client', digest)).toBe(size);

      const back = join(work, 'blob.back');
      await c.downloadBlob('library/client', digest, size, back);
      expect(await sha256OfFile(back)).toBe(digest);
      // A wrong expected digest is refused, and nothing is left behind.
      const wrong = digestOf('something else');
      await expect(c.downloadBlob('library/client', digest, size - 1, join(work, 'short'))).rejects.toThrow(/longer than/);
      expect(existsSync(join(work, 'short'))).toBe(false);
      expect(existsSync(join(work, 'short.partial'))).toBe(false);
      await expect(c.blobBytes('library/client', wrong)).rejects.toThrow();
    } finally {
      await c.close();
    }
  });

  test('a small file goes up in one POST + PUT; anonymous and wrong-password clients are told why they are refused', async () => {
    const c = new RegistryClient({ server: server.url, credentials: admin });
    const file = join(work, 'small.bin');
    await writeFile(file, 'small');
    try {
      expect(await c.pushFile('library/client', { digest: digestOf('small'), size: 5, path: file })).toBe(5);
      expect(await c.blobSize('library/client', digestOf('small'))).toBe(5);
    } finally { await c.close(); }
    await h(['project', 'create', 'secret']);
    const anon = new RegistryClient({ server: server.url });
    try {
      await expect(anon.startUpload('secret/x')).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/authentication required/) });
    } finally { await anon.close(); }
    const bad = new RegistryClient({ server: server.url, credentials: { username: 'admin', password: 'nope' } });
    try {
      await expect(bad.blobSize('library/client', digestOf('small'))).rejects.toMatchObject({ code: 'UNAUTHORIZED', message: expect.stringMatching(/authentication failed for admin/) });
    } finally { await bad.close(); }
  });
});

describe('model push / inspect / pull / list', () => {
  let model: string;

  beforeAll(async () => {
    model = join(work, 'tiny-llm');
    await makeModelDir(model, 64 * MiB);
  });

  test('push packages a ModelPack artifact; pull restores identical bytes', async () => {
    const p = await h(['model', 'push', model, 'library/tiny-llm:v1', '--family', 'tiny', '--format', 'safetensors', '--param-size', '7B',
      '--precision', 'bf16', '--quantization', 'awq', '--architecture', 'transformer', '-o', 'json']);
    expect(p.code, p.stderr).toBe(0);
    const pushed = json(p);
    expect(pushed).toMatchObject({ files: 5, skipped_blobs: 0, artifact_type: 'application/vnd.cncf.model.manifest.v1+json' });
    expect(pushed.uploaded_bytes).toBe(pushed.size);

    const info = json(await h(['model', 'inspect', 'library/tiny-llm:v1', '-o', 'json']));
    expect(info.digest).toBe(pushed.digest);
    expect(info.descriptor).toMatchObject({ name: 'tiny-llm', family: 'tiny' });
    expect(info.config).toEqual({ architecture: 'transformer', format: 'safetensors', paramSize: '7B', precision: 'bf16', quantization: 'awq' });
    const types = Object.fromEntries(info.files.map((f: { path: string; media_type: string }) => [f.path, f.media_type]));
    expect(types).toEqual({
      LICENSE: 'application/vnd.cncf.model.doc.v1.raw',
      'README.md': 'application/vnd.cncf.model.doc.v1.raw',
      'config.json': 'application/vnd.cncf.model.weight.config.v1.raw',
      'model.safetensors': 'application/vnd.cncf.model.weight.v1.raw',
      'tokenizer/tokenizer.json': 'application/vnd.cncf.model.weight.config.v1.raw',
    });

    // The manifest and config on the wire, as the spec and Harbor expect them.
    const c = new RegistryClient({ server: server.url, credentials: admin });
    try {
      const m = await c.getManifest('library/tiny-llm', 'v1', ['application/vnd.oci.image.manifest.v1+json']);
      const doc = JSON.parse(m.body.toString());
      expect(doc.artifactType).toBe('application/vnd.cncf.model.manifest.v1+json');
      expect(doc.config.mediaType).toBe('application/vnd.cncf.model.config.v1+json');
      const cfg = JSON.parse((await c.blobBytes('library/tiny-llm', doc.config.digest)).toString());
      expect(cfg.modelfs).toEqual({ type: 'layers', diffIds: doc.layers.map((l: { digest: string }) => l.digest) });
      expect(doc.layers.map((l: { annotations: Record<string, string> }) => l.annotations['org.cncf.model.filepath']))
        .toEqual(['LICENSE', 'README.md', 'config.json', 'model.safetensors', 'tokenizer/tokenizer.json']);
    } finally { await c.close(); }

    const out = join(work, 'pulled');
    const r = await h(['model', 'pull', 'library/tiny-llm:v1', out, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r)).toMatchObject({ digest: pushed.digest, files: 5 });
    expect(await treeOf(out)).toEqual(await treeOf(model));

    const t = await h(['model', 'inspect', 'library/tiny-llm:v1']);
    expect(t.stdout).toMatch(/^PARAMS\s+7B$/m);
    expect(t.stdout).toMatch(/^model\.safetensors\s+weight\.v1\.raw\s+64 MiB\s+sha256:/m);
  });

  test('pushing again sends nothing: every blob is found by HEAD, and the digest is the same', async () => {
    const first = json(await h(['model', 'inspect', 'library/tiny-llm:v1', '-o', 'json']));
    const again = json(await h(['model', 'push', model, 'library/tiny-llm:v1', '--family', 'tiny', '--format', 'safetensors', '--param-size', '7B',
      '--precision', 'bf16', '--quantization', 'awq', '--architecture', 'transformer', '-o', 'json']));
    expect(again).toMatchObject({ uploaded_bytes: 0, skipped_blobs: 5, digest: first.digest });
    // No state file left after a completed push.
    const stateDir = join(sandbox.dir, '.local', 'state', 'harborctl', 'model-push');
    expect(existsSync(stateDir) ? await readdir(stateDir) : []).toEqual([]);
  });

  test('on a terminal, push and pull draw a progress line on stderr (bytes, rate, ETA); stdout stays the data', async () => {
    const { run } = await import('../../src/cli/main.js');
    const { Readable } = await import('node:stream');
    let out = '';
    let err = '';
    const code = await run(['node', 'harborctl', 'model', 'pull', 'library/tiny-llm:v1', join(work, 'pulled-tty')], {
      stdout: { write: (s: string) => { out += s; return true; }, isTTY: true },
      stderr: { write: (s: string) => { err += s; return true; }, isTTY: true },
      stdin: Readable.from([]) as NodeJS.ReadableStream, env: sandbox.env,
    });
    expect(code, err).toBe(0);
    expect(err).toMatch(/\r\x1b\[Kpulling .* \/ 64 MiB {2}.*\/s {2}ETA \d+s/);
    expect(out).toMatch(/^✓ pulled library\/tiny-llm:v1@sha256:[0-9a-f]{64} into .* \(5 files, 64 MiB\)\n$/);
  });

  test('model list shows the models of a project, not its images', async () => {
    const { pushTinyImage } = await import('../helpers/push.js');
    await pushTinyImage(server.url, 'library/not-a-model', 'v1', { user: 'admin', password: admin.password });
    const rows = json(await h(['model', 'list', 'library', '-o', 'json']));
    expect(rows.map((r: { repository: string; tags: string[] }) => [r.repository, r.tags])).toEqual([['library/tiny-llm', ['v1']]]);
    const t = await h(['model', 'list', 'library']);
    expect(t.stdout).toMatch(/^REPOSITORY\s+TAGS\s+DIGEST\s+SIZE\s+PUSHED\nlibrary\/tiny-llm\s+v1\s+sha256:/);
  });

  test('an image is not a model; flags are checked before any network call', async () => {
    const r = await h(['model', 'pull', 'library/not-a-model:v1', join(work, 'nope')]);
    expect([r.code, r.stderr]).toEqual([1, 'harborctl: library/not-a-model:v1 is not a ModelPack model (artifact type application/vnd.oci.image.config.v1+json)\n']);
    const bad = await h(['model', 'push', model, 'library/x:v1', '--param-size', 'seven']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/invalid --param-size "seven"/);
    const nodir = await h(['model', 'push', join(work, 'missing'), 'library/x:v1']);
    expect([nodir.code, nodir.stderr]).toEqual([2, `harborctl: ${join(work, 'missing')} is not a directory\n`]);
  });
});

describe('small files of one directory share a .tar layer', () => {
  test('grouped, readable by GNU tar, and restored byte for byte (long names included)', async () => {
    const dir = join(work, 'grouped');
    await makeModelDir(dir, 2 * MiB);
    const deep = `nested/${'d'.repeat(90)}/${'e'.repeat(40)}`;
    await mkdir(join(dir, deep), { recursive: true });
    for (const n of ['vocab.json', 'merges.txt', 'special_tokens_map.json']) await writeFile(join(dir, 'tokenizer', n), `${n} contents\n`);
    for (const n of ['a.json', `${'x'.repeat(120)}.json`, 'c.json']) await writeFile(join(dir, deep, n), `{"name":"${n}"}`);
    const pushed = json(await h(['model', 'push', dir, 'library/grouped:v1', '-o', 'json']));
    expect(pushed).toMatchObject({ files: 11, layers: 6 });
    const info = json(await h(['model', 'inspect', 'library/grouped:v1', '-o', 'json']));
    const byPath = Object.fromEntries(info.files.map((f: { path: string; media_type: string }) => [f.path, f.media_type]));
    expect(byPath.tokenizer).toBe('application/vnd.cncf.model.weight.config.v1.tar');
    expect(byPath[deep]).toBe('application/vnd.cncf.model.weight.config.v1.tar');
    expect(byPath['model.safetensors']).toBe('application/vnd.cncf.model.weight.v1.raw');

    // GNU tar reads our tar the same way.
    const c = new RegistryClient({ server: server.url, credentials: admin });
    const tarFile = join(work, 'group.tar');
    try {
      const layer = info.files.find((f: { path: string }) => f.path === deep);
      await c.downloadBlob('library/grouped', layer.digest, layer.size, tarFile);
    } finally { await c.close(); }
    const { runOk } = await import('../helpers/exec.js');
    const listing = (await runOk('tar', ['-tf', tarFile])).stdout.trim().split('\n').sort();
    expect(listing).toEqual([`${deep}/a.json`, `${deep}/c.json`, `${deep}/${'x'.repeat(120)}.json`]);

    const out = join(work, 'grouped-pulled');
    const r = await h(['model', 'pull', 'library/grouped:v1', out, '-o', 'json']);
    expect(r.code, r.stderr).toBe(0);
    expect(json(r).files).toBe(11);
    expect(await treeOf(out)).toEqual(await treeOf(dir));
  });
});

describe('paths that escape DIR are refused', () => {
  /** Pushes a model manifest whose one layer carries `filepath` (and `data`, a tar when mediaType says so). */
  async function pushEvil(tag: string, filepath: string, data = Buffer.from(`payload for ${filepath}`), mediaType = 'application/vnd.cncf.model.doc.v1.raw'): Promise<void> {
    const c = new RegistryClient({ server: server.url, credentials: admin });
    try {
      const digest = digestOf(data);
      await c.pushBlobBytes('library/evil', digest, data);
      const cfg = Buffer.from(JSON.stringify({ descriptor: { name: 'evil' }, config: {}, modelfs: { type: 'layers', diffIds: [digest] } }));
      await c.pushBlobBytes('library/evil', digestOf(cfg), cfg);
      const manifest = {
        schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.cncf.model.manifest.v1+json',
        config: { mediaType: 'application/vnd.cncf.model.config.v1+json', digest: digestOf(cfg), size: cfg.length },
        layers: [{ mediaType, digest, size: data.length, annotations: { 'org.cncf.model.filepath': filepath } }],
      };
      await c.putManifest('library/evil', tag, 'application/vnd.oci.image.manifest.v1+json', Buffer.from(JSON.stringify(manifest)));
    } finally { await c.close(); }
  }

  test.each([
    ['dotdot', '../escaped.txt', /contains "\.\." and would escape the target directory/],
    ['nested-dotdot', 'a/../../escaped.txt', /contains "\.\." and would escape/],
    ['absolute', '/tmp/harborctl-escaped.txt', /is absolute and would escape the target directory/],
    ['empty', '', /has no org\.cncf\.model\.filepath annotation/],
  ])('%s', async (tag, filepath, message) => {
    await pushEvil(tag, filepath);
    const dir = join(work, `evil-${tag}`, 'target');
    const r = await h(['model', 'pull', `library/evil:${tag}`, dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(existsSync(join(work, `evil-${tag}`, 'escaped.txt'))).toBe(false);
    expect(existsSync('/tmp/harborctl-escaped.txt')).toBe(false);
  });

  test('inside a .tar layer: ".." entries and symlinks are refused too', async () => {
    const { tarStream } = await import('../../src/model/tar.js');
    const src = join(work, 'evil-tar-src');
    await mkdir(src, { recursive: true });
    await writeFile(join(src, 'f'), 'x');
    const chunks: Buffer[] = [];
    for await (const b of tarStream([{ path: 'group/../../escaped-tar.txt', abs: join(src, 'f'), size: 1, mode: 0o644, mtimeMs: 0 }])) chunks.push(b);
    await pushEvil('tar-dotdot', 'group', Buffer.concat(chunks), 'application/vnd.cncf.model.code.v1.tar');
    const dir = join(work, 'evil-tar', 'target');
    const r = await h(['model', 'pull', 'library/evil:tar-dotdot', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/contains "\.\." and would escape the target directory/);
    expect(existsSync(join(work, 'evil-tar', 'escaped-tar.txt'))).toBe(false);

    await symlink('/etc/passwd', join(src, 'link'));
    const { runOk } = await import('../helpers/exec.js');
    await runOk('tar', ['-cf', join(work, 'link.tar'), '-C', src, 'link']);
    await pushEvil('tar-symlink', 'group', await readFile(join(work, 'link.tar')), 'application/vnd.cncf.model.code.v1.tar');
    const s = await h(['model', 'pull', 'library/evil:tar-symlink', join(work, 'evil-tar', 'target2')]);
    expect(s.code).toBe(2);
    expect(s.stderr).toMatch(/refusing tar entry "link": a symlink, only files and directories are unpacked/);
  });

  test('a symlink inside DIR does not carry a file outside it', async () => {
    await pushEvil('symlink', 'sub/file.txt');
    const dir = join(work, 'evil-symlink', 'target');
    const outside = join(work, 'evil-symlink', 'outside');
    await mkdir(dir, { recursive: true });
    await mkdir(outside);
    await symlink(outside, join(dir, 'sub'));
    const r = await h(['model', 'pull', 'library/evil:symlink', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/is a symbolic link and could lead outside the target directory/);
    expect(existsSync(join(outside, 'file.txt'))).toBe(false);
    // The same model into a clean directory is fine.
    const ok = await h(['model', 'pull', 'library/evil:symlink', join(work, 'evil-symlink', 'clean')]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(await readFile(join(work, 'evil-symlink', 'clean', 'sub', 'file.txt'), 'utf8')).toBe('payload for sub/file.txt');
  });
});

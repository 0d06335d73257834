// The server side of models (issue 8): a ModelPack artifact is a CNAI artifact in the artifacts API,
// with its config in extra_attrs, and serves Harbor's readme.md, license and files additions
// (harbor-notes §5). Models are pushed with the CLI against the real server on port 0; every API
// reply is checked against Harbor's swagger.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RegistryClient } from '../../src/client/registry.js';
import { tarStream } from '../../src/model/tar.js';
import { digestOf } from '../../src/oci/digest.js';
import { addMember, api, createProject, createUser, expectApiError, type ApiReply, type Creds } from '../helpers/api.js';
import { cli, cliEnv, json, type CliEnv } from '../helpers/cli.js';
import { makeModelDir } from '../helpers/model.js';
import { pushTinyImage } from '../helpers/push.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { validateResponse } from '../helpers/swagger.js';

const MiB = 1024 * 1024;
const admin = { username: 'admin', password: 'Harbor12345' };
const README = '# Tiny test model\n\nFor harborctl\'s model tests.\n';
const MODEL_FLAGS = ['--family', 'tiny', '--format', 'safetensors', '--param-size', '7B', '--precision', 'bf16', '--quantization', 'awq', '--architecture', 'transformer'];
let server: TestServer;
let sandbox: CliEnv;
let work: string;
let digest: string;

const art = (project: string, repo: string, ref: string): string => `/projects/${project}/repositories/${repo}/artifacts/${ref}`;

/** GET an addition; the body is validated as the swagger declares it (a string), whatever its content type. */
async function addition(path: string, as: Creds | null = admin): Promise<ApiReply> {
  const r = await api(server.url, 'GET', path, { as, raw: true });
  validateResponse('GET', path, r.status, r.status === 200 ? r.text : r.body);
  return r;
}

/** Pushes a model manifest by hand: `layers` are [mediaType, filepath, bytes]. */
async function pushModel(repo: string, tag: string, layers: [string, string, Buffer][]): Promise<string> {
  const c = new RegistryClient({ server: server.url, credentials: admin });
  try {
    const descs = [];
    for (const [mediaType, filepath, data] of layers) {
      await c.pushBlobBytes(repo, digestOf(data), data);
      descs.push({ mediaType, digest: digestOf(data), size: data.length, annotations: { 'org.cncf.model.filepath': filepath } });
    }
    const cfg = Buffer.from(JSON.stringify({ descriptor: { name: tag }, config: {}, modelfs: { type: 'layers', diffIds: descs.map((d) => d.digest) } }));
    await c.pushBlobBytes(repo, digestOf(cfg), cfg);
    const manifest = Buffer.from(JSON.stringify({
      schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', artifactType: 'application/vnd.cncf.model.manifest.v1+json',
      config: { mediaType: 'application/vnd.cncf.model.config.v1+json', digest: digestOf(cfg), size: cfg.length }, layers: descs,
    }));
    await c.putManifest(repo, tag, 'application/vnd.oci.image.manifest.v1+json', manifest);
    return digestOf(manifest);
  } finally { await c.close(); }
}

async function tarOf(files: { path: string; data: string | Buffer }[]): Promise<Buffer> {
  const dir = await mkdtemp(join(work, 'tar-'));
  const entries = [];
  for (const [i, f] of files.entries()) {
    const abs = join(dir, String(i));
    await writeFile(abs, f.data);
    entries.push({ path: f.path, abs, size: Buffer.byteLength(f.data), mode: 0o644, mtimeMs: 0 });
  }
  const chunks: Buffer[] = [];
  for await (const b of tarStream(entries)) chunks.push(b);
  return Buffer.concat(chunks);
}

beforeAll(async () => {
  server = await startTestServer({ adminPassword: admin.password, logLevel: 'silent' });
  sandbox = await cliEnv({ HARBORCTL_DATA_DIR: server.dataDir });
  work = await mkdtemp(join(tmpdir(), 'harborctl-model-api-'));
  const model = join(work, 'tiny-llm');
  await makeModelDir(model, 2 * MiB);
  const p = await cli(sandbox.env, ['model', 'push', model, 'library/tiny-llm:v1', ...MODEL_FLAGS, '-o', 'json']);
  expect(p.code, p.stderr).toBe(0);
  digest = json(p).digest;
});
afterAll(async () => {
  await server?.close();
  await sandbox?.cleanup();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('a model in the artifacts API', () => {
  test('type CNAI, the config document as extra_attrs, and addition links; an image stays IMAGE with empty extra_attrs', async () => {
    const r = await api(server.url, 'GET', art('library', 'tiny-llm', 'v1'));
    expect(r.status, r.text).toBe(200);
    expect(r.body).toMatchObject({
      type: 'CNAI', digest, artifact_type: 'application/vnd.cncf.model.manifest.v1+json',
      media_type: 'application/vnd.cncf.model.config.v1+json', manifest_media_type: 'application/vnd.oci.image.manifest.v1+json',
    });
    const attrs = r.body.extra_attrs;
    expect(Object.keys(attrs).sort()).toEqual(['config', 'descriptor', 'modelfs']);
    expect(attrs.descriptor).toMatchObject({ name: 'tiny-llm', family: 'tiny' });
    expect(attrs.config).toEqual({ architecture: 'transformer', format: 'safetensors', paramSize: '7B', precision: 'bf16', quantization: 'awq' });
    expect(attrs.modelfs.type).toBe('layers');
    expect(attrs.modelfs.diffIds).toHaveLength(5);
    // The config blob itself, byte for byte parsed: extra_attrs is exactly that document.
    const c = new RegistryClient({ server: server.url, credentials: admin });
    try {
      const m = JSON.parse((await c.getManifest('library/tiny-llm', 'v1', ['application/vnd.oci.image.manifest.v1+json'])).body.toString());
      expect(attrs).toEqual(JSON.parse((await c.blobBytes('library/tiny-llm', m.config.digest)).toString()));
    } finally { await c.close(); }
    const base = `/api/v2.0${art('library', 'tiny-llm', digest)}/additions`;
    expect(r.body.addition_links).toEqual({
      'readme.md': { href: `${base}/readme.md`, absolute: false },
      license: { href: `${base}/license`, absolute: false },
      files: { href: `${base}/files`, absolute: false },
    });

    await pushTinyImage(server.url, 'library/plain', 'v1', { user: 'admin', password: admin.password });
    const list = await api(server.url, 'GET', '/projects/library/repositories/plain/artifacts');
    expect(list.status).toBe(200);
    expect(list.body).toHaveLength(1);
    expect(list.body[0]).toMatchObject({ type: 'IMAGE', extra_attrs: {} });
    // An image has Harbor's build_history and vulnerabilities links (issue 14), and the image icon.
    expect(Object.keys(list.body[0].addition_links)).toEqual(['build_history', 'vulnerabilities']);
    expect(list.body[0].icon).toBe('sha256:0048162a053eef4d4ce3fe7518615bef084403614f8bca43b40ae2e762e11e06');

    // The list shows the model the same way, and q=type= finds it.
    const models = await api(server.url, 'GET', '/projects/library/repositories/tiny-llm/artifacts?q=type%3DCNAI');
    expect(models.body.map((a: { digest: string; extra_attrs: unknown }) => [a.digest, a.extra_attrs])).toEqual([[digest, attrs]]);
  });

  test('readme.md and license: the files as pushed, with Harbor\'s content types', async () => {
    const readme = await addition(`${art('library', 'tiny-llm', 'v1')}/additions/readme.md`);
    expect([readme.status, readme.headers['content-type'], readme.text]).toEqual([200, 'text/markdown; charset=utf-8', README]);
    const license = await addition(`${art('library', 'tiny-llm', digest)}/additions/license`);
    expect([license.status, license.headers['content-type'], license.text]).toEqual([200, 'text/plain; charset=utf-8', 'Apache License 2.0\n']);
  });

  test('files: the tree from every layer\'s filepath, directories first, then by name', async () => {
    const r = await addition(`${art('library', 'tiny-llm', 'v1')}/additions/files`);
    expect([r.status, r.headers['content-type']]).toEqual([200, 'application/json; charset=utf-8']);
    const size = (s: string | Buffer): number => Buffer.byteLength(s);
    expect(JSON.parse(r.text)).toEqual([
      { name: 'tokenizer', type: 'directory', children: [
        { name: 'tokenizer.json', type: 'file', size: size(JSON.stringify({ version: '1.0', vocab: { a: 0, b: 1 } })) },
      ] },
      { name: 'LICENSE', type: 'file', size: size('Apache License 2.0\n') },
      { name: 'README.md', type: 'file', size: size(README) },
      { name: 'config.json', type: 'file', size: size(JSON.stringify({ architectures: ['TestForCausalLM'], hidden_size: 64 })) },
      { name: 'model.safetensors', type: 'file', size: 2 * MiB },
    ]);
  });

  test('deeper trees: nested directories, a directory layer ("dir/"), an empty file, a repeated path', async () => {
    const raw = 'application/vnd.cncf.model.weight.v1.raw';
    await pushModel('library/tree', 'v1', [
      [raw, 'b/z.bin', Buffer.from('zz')],
      [raw, 'b/a/deep.bin', Buffer.from('deep')],
      ['application/vnd.cncf.model.code.v1.tar', 'src/', await tarOf([{ path: 'src/x.py', data: 'x' }])],
      [raw, 'a.txt', Buffer.alloc(0)],
      [raw, 'b/z.bin', Buffer.from('again')],
    ]);
    const r = await addition(`${art('library', 'tree', 'v1')}/additions/files`);
    expect(JSON.parse(r.text)).toEqual([
      { name: 'b', type: 'directory', children: [
        { name: 'a', type: 'directory', children: [{ name: 'deep.bin', type: 'file', size: 4 }] },
        { name: 'z.bin', type: 'file', size: 2 },
      ] },
      { name: 'src', type: 'directory' },
      { name: 'a.txt', type: 'file' },
    ]);
  });
});

describe('doc layers as Harbor reads them', () => {
  const docTar = 'application/vnd.cncf.model.doc.v1.tar';
  const docRaw = 'application/vnd.cncf.model.doc.v1.raw';

  test('a .tar doc layer: the entry named by the filepath; README (no extension) and LICENSE.txt count too', async () => {
    await pushModel('library/tarred', 'v1', [
      [docTar, 'README', await tarOf([{ path: 'README', data: '# from a tar\n' }])],
      [docTar, 'LICENSE.txt', await tarOf([{ path: 'NOTICE', data: 'notice\n' }, { path: 'LICENSE.txt', data: 'MIT\n' }])],
    ]);
    const readme = await addition(`${art('library', 'tarred', 'v1')}/additions/readme.md`);
    expect([readme.status, readme.headers['content-type'], readme.text]).toEqual([200, 'text/markdown; charset=utf-8', '# from a tar\n']);
    const license = await addition(`${art('library', 'tarred', 'v1')}/additions/license`);
    expect([license.status, license.text]).toEqual([200, 'MIT\n']);
  });

  test('only doc layers with those exact names; the first one wins; a missing one is 404', async () => {
    await pushModel('library/docs', 'v1', [
      ['application/vnd.cncf.model.code.v1.raw', 'README.md', Buffer.from('not a doc layer')],
      [docRaw, 'readme.md', Buffer.from('wrong case')],
      ['application/vnd.cncf.model.doc.v1.tar+gzip', 'README.md', Buffer.from('not decoded')],
      [docRaw, 'README.md', Buffer.from('first')],
      [docRaw, 'README', Buffer.from('second')],
    ]);
    const readme = await addition(`${art('library', 'docs', 'v1')}/additions/readme.md`);
    expect([readme.status, readme.text]).toEqual([200, 'first']);
    const license = await addition(`${art('library', 'docs', 'v1')}/additions/license`);
    expectApiError(license, 404, 'NOT_FOUND');
    expect(license.body.errors[0].message).toBe('license layer not found');
  });

  test('more than 4 MiB is 413: by declared size, and by decoded bytes inside a .tar', async () => {
    await pushModel('library/big', 'raw', [[docRaw, 'README.md', Buffer.alloc(4 * MiB + 1, 0x61)]]);
    const raw = await addition(`${art('library', 'big', 'raw')}/additions/readme.md`);
    expectApiError(raw, 413, 'REQUEST_ENTITY_TOO_LARGE');
    // Exactly 4 MiB is served.
    await pushModel('library/big', 'limit', [[docRaw, 'README.md', Buffer.alloc(4 * MiB, 0x62)]]);
    const limit = await addition(`${art('library', 'big', 'limit')}/additions/readme.md`);
    expect([limit.status, limit.text.length]).toEqual([200, 4 * MiB]);
    // A tar of 4.5 MiB is within the declared-size allowance, but its content is over the limit.
    await pushModel('library/big', 'tar', [[docTar, 'LICENSE', await tarOf([{ path: 'LICENSE', data: Buffer.alloc(4.5 * MiB, 0x63) }])]]);
    const tar = await addition(`${art('library', 'big', 'tar')}/additions/license`);
    expectApiError(tar, 413, 'REQUEST_ENTITY_TOO_LARGE');
    // A tar over 5 MiB is refused by its declared size.
    await pushModel('library/big', 'tar6', [[docTar, 'LICENSE', await tarOf([{ path: 'LICENSE', data: Buffer.alloc(6 * MiB, 0x64) }])]]);
    expectApiError(await addition(`${art('library', 'big', 'tar6')}/additions/license`), 413, 'REQUEST_ENTITY_TOO_LARGE');
  });
});

describe('additions Harbor does not serve here', () => {
  test('an image has none of them (400); a model has no build_history (400); a name outside the enum is 422', async () => {
    for (const a of ['readme.md', 'license', 'files']) {
      const r = await addition(`${art('library', 'plain', 'v1')}/additions/${a}`);
      expectApiError(r, 400, 'BAD_REQUEST');
      expect(r.body.errors[0].message).toBe(`addition ${a.toUpperCase()} isn't supported for IMAGE`);
    }
    expectApiError(await addition(`${art('library', 'tiny-llm', 'v1')}/additions/build_history`), 400, 'BAD_REQUEST');
    expectApiError(await addition(`${art('library', 'tiny-llm', 'v1')}/additions/values.yaml`), 400, 'BAD_REQUEST');
    expectApiError(await addition(`${art('library', 'tiny-llm', 'v1')}/additions/README.md`), 422, 'UNPROCESSABLE_ENTITY');
    expectApiError(await addition(`${art('library', 'tiny-llm', 'v1')}/additions/nope`), 422, 'UNPROCESSABLE_ENTITY');
    expectApiError(await addition(`${art('library', 'tiny-llm', 'v404')}/additions/files`), 404, 'NOT_FOUND');
  });
});

describe('who may read additions (artifact-addition read)', () => {
  test('a private project: anonymous is refused, a guest member reads, a non-member is refused; a public project: anonymous reads', async () => {
    await createProject(server.url, 'ml');
    const dir = join(work, 'private-model');
    await mkdir(dir);
    await writeFile(join(dir, 'README.md'), '# private\n');
    const p = await cli(sandbox.env, ['model', 'push', dir, 'ml/secret:v1', '-o', 'json']);
    expect(p.code, p.stderr).toBe(0);
    const path = `${art('ml', 'secret', 'v1')}/additions/readme.md`;

    expectApiError(await addition(path, null), 401, 'UNAUTHORIZED');
    await createUser(server.url, 'guest1');
    await createUser(server.url, 'outsider');
    const guest = { username: 'guest1', password: 'Passw0rdX' };
    const outsider = { username: 'outsider', password: 'Passw0rdX' };
    expect((await addition(path, outsider)).status).toBe(403);
    await addMember(server.url, 'ml', 'guest1', 3);
    const g = await addition(path, guest);
    expect([g.status, g.text]).toEqual([200, '# private\n']);
    // Artifact detail is refused the same way: anonymous sees neither type nor extra_attrs.
    expectApiError(await api(server.url, 'GET', art('ml', 'secret', 'v1'), { as: null }), 401, 'UNAUTHORIZED');

    const pub = await addition(`${art('library', 'tiny-llm', 'v1')}/additions/readme.md`, null);
    expect([pub.status, pub.text]).toEqual([200, README]);
    const files = await addition(`${art('library', 'tiny-llm', 'v1')}/additions/files`, null);
    expect(files.status).toBe(200);
  });
});

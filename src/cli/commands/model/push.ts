// harborctl model push DIR REF [--name --family --format --param-size --precision --quantization --architecture]
// Packages a model directory as a CNCF ModelPack artifact and pushes it to any OCI registry:
// one `.raw` layer per file (weights, weight config, docs, code, datasets by file name), each with
// its org.cncf.model.filepath; a config with descriptor, config and modelfs.diffIds; a manifest with
// artifactType application/vnd.cncf.model.manifest.v1+json. Each file is read twice (once to hash,
// once to upload, streamed both times); blobs the registry has are skipped after a HEAD; up to
// --concurrency blobs travel at once. An interrupted push continues: finished blobs are found by the
// HEAD, and a half-sent blob continues from the session URL kept in the state file (common.ts).
import { lstat, open, readdir, stat } from 'node:fs/promises';
import { basename, join, posix, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { HarborError } from '../../../core/errors.js';
import { formatSize } from '../../../core/sizes.js';
import { digestOf, newHash } from '../../../oci/digest.js';
import { MediaType } from '../../../oci/mediatypes.js';
import {
  ANNOTATION_FILE_METADATA, ANNOTATION_FILEPATH, ModelMediaType, buildConfig, checkParamSize, classify, layerMediaType, type LayerKind,
} from '../../../model/modelpack.js';
import { tarStream } from '../../../model/tar.js';
import { plural, renderResult } from '../../output/render.js';
import { ProgressLine } from '../../output/progress.js';
import type { Runtime } from '../../runtime.js';
import {
  PushStateFile, checkQuota, connect, loadPushState, parseConcurrency, pool, pushStatePath, type CredentialFlags,
} from './common.js';

export interface Options extends CredentialFlags {
  name?: string; family?: string; format?: string; paramSize?: string; precision?: string; quantization?: string; architecture?: string;
  concurrency?: string; chunkSize?: string;
}

interface ModelFile { path: string; abs: string; size: number; mtimeMs: number; mode: number }
/** One layer: a single file (`.raw`) or a group of small files of one directory (`.tar`). */
interface Layer { path: string; packing: 'raw' | 'tar'; files: ModelFile[]; mediaType: string; digest: string; size: number }

/** Files at most this large, at least GROUP_MIN of them in one directory below the top, share a `.tar` layer. */
const GROUP_MAX_FILE = 1024 * 1024;
const GROUP_MIN = 3;

/** Which files go in which layer: groups of small files per subdirectory, every other file alone. */
function planLayers(files: ModelFile[]): Array<Omit<Layer, 'digest' | 'size'>> {
  const byDir = new Map<string, ModelFile[]>();
  for (const f of files) {
    const dir = posix.dirname(f.path);
    if (dir === '.' || f.size > GROUP_MAX_FILE) continue;
    byDir.set(dir, [...(byDir.get(dir) ?? []), f]);
  }
  const grouped = new Set<string>();
  const out: Array<Omit<Layer, 'digest' | 'size'>> = [];
  for (const [dir, group] of byDir) {
    if (group.length < GROUP_MIN) continue;
    for (const f of group) grouped.add(f.path);
    // The group's type is its files' most common one.
    const count = new Map<LayerKind, number>();
    for (const f of group) count.set(classify(f.path), (count.get(classify(f.path)) ?? 0) + 1);
    const kind = [...count.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0][0];
    out.push({ path: dir, packing: 'tar', files: group, mediaType: layerMediaType(kind, 'tar') });
  }
  for (const f of files) if (!grouped.has(f.path)) out.push({ path: f.path, packing: 'raw', files: [f], mediaType: layerMediaType(classify(f.path)) });
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function hashTar(files: ModelFile[], onBytes: (n: number) => void): Promise<{ digest: string; size: number }> {
  const h = newHash('sha256');
  let size = 0;
  for await (const chunk of tarStream(files)) {
    h.update(chunk);
    size += chunk.length;
    onBytes(chunk.length);
  }
  return { digest: `sha256:${h.digest('hex')}`, size };
}

/** Regular files under dir, as sorted POSIX paths; hidden entries (.git, .cache) are left out, symlinks refused. */
async function walk(dir: string): Promise<ModelFile[]> {
  const out: ModelFile[] = [];
  const visit = async (rel: string): Promise<void> => {
    const entries = await readdir(join(dir, rel), { withFileTypes: true });
    for (const e of entries) {
      if (e.name.startsWith('.')) continue;
      const p = rel ? `${rel}/${e.name}` : e.name;
      const abs = join(dir, p);
      if (e.isSymbolicLink()) throw new HarborError('USAGE', `${abs} is a symbolic link: copy the file it points to into the model directory`);
      if (e.isDirectory()) { await visit(p); continue; }
      if (!e.isFile()) continue;
      const st = await stat(abs);
      out.push({ path: p, abs, size: st.size, mtimeMs: st.mtimeMs, mode: st.mode & 0o777 });
    }
  };
  await visit('');
  return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

/** One read pass through a single reused buffer: hashing a many-GiB file allocates nothing per chunk. */
async function sha256File(path: string, onBytes: (n: number) => void): Promise<string> {
  const h = newHash('sha256');
  const buf = Buffer.allocUnsafe(1024 * 1024);
  const fh = await open(path, 'r');
  try {
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      h.update(buf.subarray(0, bytesRead));
      onBytes(bytesRead);
    }
  } finally {
    await fh.close();
  }
  return `sha256:${h.digest('hex')}`;
}

function chunkBytes(s: string | undefined): number {
  if (s === undefined) return 32 * 1024 * 1024;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1024 * 1024) throw new HarborError('USAGE', `invalid chunk size ${JSON.stringify(s)}: bytes, at least 1 MiB`);
  return n;
}

export async function run(rt: Runtime, [dirArg, refArg]: string[], o: Options): Promise<void> {
  // Every check that needs no network first.
  const dir = resolve(dirArg);
  const st = await lstat(dir).catch(() => null);
  if (!st?.isDirectory()) throw new HarborError('USAGE', `${dirArg} is not a directory`);
  if (o.paramSize !== undefined) checkParamSize(o.paramSize);
  const concurrency = parseConcurrency(o.concurrency);
  const chunkSize = chunkBytes(o.chunkSize ?? rt.io.env.HARBORCTL_CHUNK_SIZE);
  const files = await walk(dir);
  if (files.length === 0) throw new HarborError('USAGE', `${dirArg} has no files to push`);

  const conn = await connect(rt, refArg, o);
  const { client, repo, ref } = conn;
  const stateFile = new PushStateFile(pushStatePath(rt.io.env, dir, conn.server, repo), await loadPushState(pushStatePath(rt.io.env, dir, conn.server, repo)));
  const state = stateFile.state;
  try {
    await client.ping();
    // Pass 1: hash every file once (a digest from an interrupted run is reused while size and mtime match).
    const total = files.reduce((s, f) => s + f.size, 0);
    const hashing = new ProgressLine(rt, 'hashing', total);
    const layers: Layer[] = [];
    await pool(planLayers(files), concurrency, async (plan) => {
      if (plan.packing === 'tar') {
        const { digest, size } = await hashTar(plan.files, (n) => hashing.add(n));
        layers.push({ ...plan, digest, size });
        return;
      }
      const f = plan.files[0];
      const known = state.files[f.path];
      let digest: string;
      if (known && known.size === f.size && known.mtimeMs === f.mtimeMs) {
        digest = known.digest;
        hashing.add(f.size);
      } else {
        digest = await sha256File(f.abs, (n) => hashing.add(n));
        state.files[f.path] = { size: f.size, mtimeMs: f.mtimeMs, digest };
        await stateFile.save();
      }
      layers.push({ ...plan, digest, size: f.size });
    });
    hashing.finish();
    layers.sort((a, b) => (a.path < b.path ? -1 : 1));

    const config = buildConfig(
      // The newest file's time, not the clock: pushing the same directory again gives the same digest.
      { name: o.name ?? basename(dir), family: o.family, createdAt: new Date(files.reduce((m, f) => Math.max(m, f.mtimeMs), 0)).toISOString() },
      { architecture: o.architecture, format: o.format, paramSize: o.paramSize, precision: o.precision, quantization: o.quantization },
      layers.map((l) => l.digest),
    );
    const configBytes = Buffer.from(JSON.stringify(config));
    const configDigest = digestOf(configBytes);

    // Pass 2: upload what the registry lacks, one blob per digest.
    const byDigest = new Map<string, Layer>();
    for (const l of layers) if (!byDigest.has(l.digest)) byDigest.set(l.digest, l);
    const unique = [...byDigest.values()];
    const uploading = new ProgressLine(rt, 'pushing', unique.reduce((s, l) => s + l.size, 0));
    let sent = 0;
    // HEAD first: only what the registry lacks counts against the quota, checked before any upload.
    const missing: Layer[] = [];
    await pool(unique, concurrency, async (l) => {
      if ((await client.blobSize(repo, l.digest)) === null) missing.push(l);
      else delete state.uploads[l.digest];
    });
    const skipped = unique.length - missing.length;
    await checkQuota(conn, missing.reduce((s, l) => s + l.size, 0) + configBytes.length);
    uploading.add(unique.reduce((s, l) => s + l.size, 0) - missing.reduce((s, l) => s + l.size, 0));
    await pool(missing, concurrency, async (l) => {
      // A group is small: it goes up in one request, and again from the start if a push is cut.
      const n = l.packing === 'tar'
        ? await client.pushStream(repo, l.digest, l.size, () => Readable.from(tarStream(l.files)), (k) => uploading.add(k))
        : await client.pushFile(repo, { digest: l.digest, size: l.size, path: l.files[0].abs }, {
        chunkSize,
        resume: state.uploads[l.digest],
        onProgress: (n) => uploading.add(n),
        onSession: async (s) => { state.uploads[l.digest] = s.location; await stateFile.save(); },
      });
      sent += n;
      delete state.uploads[l.digest];
      await stateFile.save();
    });
    uploading.finish();
    if ((await client.blobSize(repo, configDigest)) === null) await client.pushBlobBytes(repo, configDigest, configBytes);

    const manifest = {
      schemaVersion: 2,
      mediaType: MediaType.ociManifest,
      artifactType: ModelMediaType.artifact,
      config: { mediaType: ModelMediaType.config, digest: configDigest, size: configBytes.length },
      layers: layers.map((l) => {
        const f = l.files[0];
        const annotations: Record<string, string> = { [ANNOTATION_FILEPATH]: l.path };
        if (l.packing === 'raw') {
          annotations[ANNOTATION_FILE_METADATA] = JSON.stringify({
            name: f.path, mode: f.mode, uid: 0, gid: 0, size: f.size, mtime: new Date(f.mtimeMs).toISOString(), typeflag: 48,
          });
        }
        return { mediaType: l.mediaType, digest: l.digest, size: l.size, annotations };
      }),
      annotations: { 'org.opencontainers.image.created': config.descriptor.createdAt as string },
    };
    const body = Buffer.from(JSON.stringify(manifest));
    const reference = ref.digest ?? ref.tag!;
    if (ref.digest && ref.digest !== digestOf(body)) {
      throw new HarborError('USAGE', `${refArg} names a digest, but the packaged model has digest ${digestOf(body)}: push to a tag`);
    }
    const digest = await client.putManifest(repo, reference, MediaType.ociManifest, body);
    await stateFile.remove();
    const where = `${ref.host ? `${ref.host}/` : ''}${repo}`;
    renderResult(rt.io, rt.opts.output, {
      reference: `${where}${ref.tag ? `:${ref.tag}` : ''}`, digest, artifact_type: ModelMediaType.artifact,
      files: files.length, layers: layers.length, size: total, uploaded_bytes: sent, skipped_blobs: skipped,
    }, `pushed ${where}${ref.tag ? `:${ref.tag}` : ''}@${digest} (${plural(files.length, 'file')} in ${plural(layers.length, 'layer')}, ${formatSize(total)}; sent ${formatSize(sent)}, ${plural(skipped, 'blob')} already there)`);
  } finally {
    await client.close();
  }
}

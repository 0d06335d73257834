// harborctl model pull REF DIR
// Restores a ModelPack model's file tree under DIR from the layers' org.cncf.model.filepath
// annotations. Every blob is hashed on its way to disk and renamed into place only when its digest
// matches. Every path is checked before anything is downloaded: absolute paths, `..`, and paths
// through a symbolic link are refused, so nothing is ever written outside DIR. `.raw` layers are
// files; `.tar` layers (groups, as other packagers write them) are unpacked with the same checks.
import { chmod, mkdir, open, rm, stat, utimes } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { HarborError } from '../../../core/errors.js';
import { formatSize } from '../../../core/sizes.js';
import { FileTarSource, readTar } from '../../../sbom/tar.js';
import { ANNOTATION_FILE_METADATA, checkFilepath, safeTarget } from '../../../model/modelpack.js';
import { plural, renderResult } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { connect, parseConcurrency, pool, type CredentialFlags } from './common.js';
import { ProgressLine } from '../../output/progress.js';
import { fetchModel, type ModelLayer } from './fetch.js';

export interface Options extends CredentialFlags { concurrency?: string }

/** Permission bits and mtime from the file-metadata annotation, when the pusher wrote one. */
function fileMeta(l: ModelLayer): { mode?: number; mtime?: Date } {
  const raw = l.annotations?.[ANNOTATION_FILE_METADATA] ?? l.annotations?.['org.cnai.model.file.metadata+json'];
  if (!raw) return {};
  try {
    const m = JSON.parse(raw) as { mode?: number; mtime?: string };
    const mtime = m.mtime ? new Date(m.mtime) : undefined;
    return {
      mode: typeof m.mode === 'number' ? m.mode & 0o777 : undefined,
      mtime: mtime && !Number.isNaN(mtime.getTime()) ? mtime : undefined,
    };
  } catch {
    return {};
  }
}

/** Unpacks a verified tar file under root: regular files and directories only, each path checked. */
async function extractTar(tarPath: string, root: string): Promise<number> {
  const fh = await open(tarPath, 'r');
  let files = 0;
  try {
    const src = new FileTarSource(fh, (await fh.stat()).size);
    for await (const entry of readTar(src)) {
      if (entry.type === 'directory') {
        await mkdir(await safeTarget(root, checkFilepath(entry.path)), { recursive: true });
        continue;
      }
      if (entry.type !== 'file') {
        throw new HarborError('BAD_REQUEST', `refusing tar entry ${JSON.stringify(entry.path)}: a ${entry.type}, only files and directories are unpacked`);
      }
      const target = await safeTarget(root, checkFilepath(entry.path));
      await mkdir(dirname(target), { recursive: true });
      await rm(target, { force: true });
      const out = await open(target, 'wx', (entry.mode & 0o777) || 0o644);
      try {
        let left = entry.size;
        while (left > 0) {
          const chunk = await src.read(Math.min(left, 1024 * 1024));
          if (chunk.length === 0) throw new HarborError('BAD_REQUEST', `tar entry ${entry.path} is truncated`);
          await out.write(chunk);
          left -= chunk.length;
        }
      } finally {
        await out.close();
      }
      files++;
    }
  } finally {
    await fh.close();
  }
  return files;
}

export async function run(rt: Runtime, [refArg, dirArg]: string[], o: Options): Promise<void> {
  const concurrency = parseConcurrency(o.concurrency);
  const root = resolve(dirArg);
  const conn = await connect(rt, refArg, o);
  const { client, repo } = conn;
  try {
    const model = await fetchModel(conn);
    // All paths are checked before the first byte is written.
    const seen = new Set<string>();
    for (const l of model.layers) {
      if (l.packing !== 'raw' && l.packing !== 'tar') {
        throw new HarborError('UNSUPPORTED', `layer ${l.digest} has media type ${l.mediaType}: harborctl restores .raw and .tar model layers`);
      }
      const p = checkFilepath(l.path);
      if (l.packing === 'raw') {
        if (seen.has(p)) throw new HarborError('BAD_REQUEST', `refusing the model: two layers write ${JSON.stringify(p)}`);
        seen.add(p);
      }
    }
    await mkdir(root, { recursive: true });
    if (!(await stat(root)).isDirectory()) throw new HarborError('USAGE', `${dirArg} is not a directory`);
    for (const l of model.layers) if (l.packing === 'raw') await safeTarget(root, l.path!);

    const total = model.layers.reduce((s, l) => s + l.size, 0);
    const progress = new ProgressLine(rt, 'pulling', total);
    let files = 0;
    await pool(model.layers, concurrency, async (l) => {
      if (l.packing === 'raw') {
        const target = await safeTarget(root, l.path!);
        await mkdir(dirname(target), { recursive: true });
        await client.downloadBlob(repo, l.digest, l.size, target, (n) => progress.add(n));
        const meta = fileMeta(l);
        if (meta.mode !== undefined) await chmod(target, meta.mode | 0o600);
        if (meta.mtime) await utimes(target, meta.mtime, meta.mtime);
        files++;
        return;
      }
      const tmp = join(root, `.harborctl-pull-${l.digest.replace(':', '-')}.tar`);
      try {
        await client.downloadBlob(repo, l.digest, l.size, tmp, (n) => progress.add(n));
        const n = await extractTar(tmp, root);
        files += n;
      } finally {
        await rm(tmp, { force: true });
      }
    });
    progress.finish();
    renderResult(rt.io, rt.opts.output, { reference: refArg, digest: model.digest, dir: root, files, size: total },
      `pulled ${refArg}@${model.digest} into ${root} (${plural(files, 'file')}, ${formatSize(total)})`);
  } finally {
    await client.close();
  }
}

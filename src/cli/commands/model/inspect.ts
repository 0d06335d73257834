// harborctl model inspect REF: the model's metadata (descriptor and config), its files and sizes.
// -o json/yaml print one object; the table prints the metadata, then one row per file.
import { formatSize } from '../../../core/sizes.js';
import { renderList, renderObject } from '../../output/render.js';
import type { Runtime } from '../../runtime.js';
import { connect, type CredentialFlags } from './common.js';
import { fetchModel } from './fetch.js';

export interface ModelFileRow { path: string | null; media_type: string; digest: string; size: number }

export interface ModelInfo {
  reference: string;
  digest: string;
  artifact_type: string | null;
  size: number;
  descriptor: Record<string, unknown>;
  config: Record<string, unknown>;
  files: ModelFileRow[];
}

export async function run(rt: Runtime, [refArg]: string[], o: CredentialFlags): Promise<void> {
  const conn = await connect(rt, refArg, o);
  let info: ModelInfo;
  try {
    const m = await fetchModel(conn);
    info = {
      reference: refArg,
      digest: m.digest,
      artifact_type: m.artifactType,
      size: m.layers.reduce((s, l) => s + l.size, 0),
      descriptor: m.config.descriptor ?? {},
      config: m.config.config ?? {},
      files: m.layers.map((l) => ({ path: l.path ?? null, media_type: l.mediaType, digest: l.digest, size: l.size })),
    };
  } finally {
    await conn.client.close();
  }
  if (rt.opts.output !== 'table') { renderObject(rt.io, rt.opts.output, info, []); return; }
  const d = info.descriptor as Record<string, string | undefined>;
  const c = info.config as Record<string, string | undefined>;
  renderObject(rt.io, 'table', info, [
    { header: 'REFERENCE', value: (i) => i.reference },
    { header: 'DIGEST', value: (i) => i.digest },
    { header: 'NAME', value: () => d.name },
    { header: 'FAMILY', value: () => d.family },
    { header: 'ARCHITECTURE', value: () => c.architecture },
    { header: 'FORMAT', value: () => c.format },
    { header: 'PARAMS', value: () => c.paramSize },
    { header: 'PRECISION', value: () => c.precision },
    { header: 'QUANTIZATION', value: () => c.quantization },
    { header: 'CREATED', value: () => d.createdAt },
    { header: 'SIZE', value: (i) => formatSize(i.size) },
  ]);
  rt.io.stdout.write('\n');
  renderList(rt.io, 'table', info.files, [
    { header: 'PATH', value: (f) => f.path },
    { header: 'TYPE', value: (f) => f.media_type.replace('application/vnd.cncf.model.', '') },
    { header: 'SIZE', value: (f) => formatSize(f.size) },
    { header: 'DIGEST', value: (f) => f.digest.slice(0, 19) },
  ], 'no files');
}

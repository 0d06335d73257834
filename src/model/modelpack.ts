// CNCF ModelPack (model-spec v1) as harborctl packages it: the media types, the config document
// (descriptor, config, modelfs), which layer type a file gets, and the checks that keep a pulled file
// inside its target directory. No HTTP here: the model commands put this on the wire.
// Media types and fields from modelpack/model-spec specs-go/v1 (mediatype.go, config.go, annotations.go);
// Harbor 2.13 recognises the artifact by the manifest's artifactType (harbor-notes §5).
import { lstat } from 'node:fs/promises';
import { isAbsolute, join, posix, relative, resolve, sep } from 'node:path';
import { HarborError } from '../core/errors.js';

export const ModelMediaType = {
  artifact: 'application/vnd.cncf.model.manifest.v1+json',
  config: 'application/vnd.cncf.model.config.v1+json',
  weight: 'application/vnd.cncf.model.weight.v1',
  weightConfig: 'application/vnd.cncf.model.weight.config.v1',
  doc: 'application/vnd.cncf.model.doc.v1',
  code: 'application/vnd.cncf.model.code.v1',
  dataset: 'application/vnd.cncf.model.dataset.v1',
} as const;

export const ANNOTATION_FILEPATH = 'org.cncf.model.filepath';
export const ANNOTATION_FILE_METADATA = 'org.cncf.model.file.metadata+json';

export type LayerKind = 'weight' | 'weight-config' | 'doc' | 'code' | 'dataset';

const KIND_BASE: Record<LayerKind, string> = {
  weight: ModelMediaType.weight,
  'weight-config': ModelMediaType.weightConfig,
  doc: ModelMediaType.doc,
  code: ModelMediaType.code,
  dataset: ModelMediaType.dataset,
};

/** `application/vnd.cncf.model.weight.v1.raw` and friends. */
export function layerMediaType(kind: LayerKind, packing: 'raw' | 'tar' = 'raw'): string {
  return `${KIND_BASE[kind]}.${packing}`;
}

/** The kind and packing of a layer media type, or null when it is not a model layer. */
export function parseLayerMediaType(mt: string): { kind: LayerKind; packing: string } | null {
  for (const [kind, base] of Object.entries(KIND_BASE) as Array<[LayerKind, string]>) {
    if (mt.startsWith(`${base}.`)) return { kind, packing: mt.slice(base.length + 1) };
  }
  return null;
}

/** Also accept the pre-CNCF names (`vnd.cnai.model`, `org.cnai.model.filepath`) that older packagers wrote. */
export function isModelArtifact(artifactType: string | undefined, configMediaType: string | undefined): boolean {
  return artifactType === ModelMediaType.artifact || configMediaType === ModelMediaType.config
    || artifactType === 'application/vnd.cnai.model.manifest.v1+json' || configMediaType === 'application/vnd.cnai.model.config.v1+json';
}

export function filepathOf(annotations: Record<string, string> | undefined): string | undefined {
  return annotations?.[ANNOTATION_FILEPATH] ?? annotations?.['org.cnai.model.filepath'];
}

const WEIGHT_EXT = new Set(['.safetensors', '.bin', '.pt', '.pth', '.ckpt', '.gguf', '.ggml', '.onnx', '.h5', '.hdf5', '.pb', '.tflite',
  '.msgpack', '.npz', '.npy', '.ot', '.mlmodel', '.keras', '.pkl', '.joblib', '.engine', '.plan', '.params', '.weights', '.nemo']);
const CODE_EXT = new Set(['.py', '.ipynb', '.sh', '.js', '.ts', '.go', '.rs', '.c', '.cc', '.cpp', '.h', '.hpp', '.cu', '.java', '.rb', '.r', '.jl', '.lua', '.swift']);
const DATASET_EXT = new Set(['.csv', '.tsv', '.parquet', '.arrow', '.jsonl', '.ndjson', '.tfrecord', '.avro']);
const DOC_EXT = new Set(['.md', '.markdown', '.rst', '.txt', '.pdf', '.html', '.adoc']);
const DOC_NAMES = /^(readme|license|licence|notice|copying|authors|changelog|citation|model_card|modelcard)(\..*)?$/i;

/** Which layer type a file gets, from its path inside the model directory. */
export function classify(path: string): LayerKind {
  const base = posix.basename(path);
  const ext = posix.extname(base).toLowerCase();
  const top = path.split('/')[0].toLowerCase();
  if (DOC_NAMES.test(base)) return 'doc';
  if (WEIGHT_EXT.has(ext)) return 'weight';
  if (CODE_EXT.has(ext)) return 'code';
  if (DATASET_EXT.has(ext) || top === 'data' || top === 'dataset' || top === 'datasets') return 'dataset';
  if (DOC_EXT.has(ext) || top === 'docs' || top === 'doc') return 'doc';
  // config.json, tokenizer files, vocabularies, index files of sharded weights: what loads the weights.
  return 'weight-config';
}

/** The spec's paramSize grammar: a count with at most one decimal and a scale letter (6.7B, 100m). */
export function checkParamSize(s: string): string {
  if (!/^\d+(\.\d)?[QqTtBbMmKk]$/.test(s)) throw new HarborError('USAGE', `invalid --param-size ${JSON.stringify(s)}: a count and a scale letter, e.g. 7B, 6.7B, 100M`);
  return s;
}

export interface ModelDescriptorFields {
  name?: string; family?: string; version?: string; createdAt?: string; authors?: string[]; licenses?: string[];
  title?: string; description?: string; [k: string]: unknown;
}
export interface ModelConfigFields {
  architecture?: string; format?: string; paramSize?: string; precision?: string; quantization?: string; [k: string]: unknown;
}
export interface ModelConfigDoc {
  descriptor: ModelDescriptorFields;
  config: ModelConfigFields;
  modelfs: { type: 'layers'; diffIds: string[] };
}

/** The config blob: fields left out when not given, as the spec's `omitempty` does. */
export function buildConfig(descriptor: ModelDescriptorFields, config: ModelConfigFields, diffIds: string[]): ModelConfigDoc {
  const clean = <T extends object>(o: T): T => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '')) as T;
  return { descriptor: clean(descriptor), config: clean(config), modelfs: { type: 'layers', diffIds } };
}

/**
 * A layer's filepath as a relative POSIX path, or an error saying why it may not be written:
 * absolute paths, `..`, empty segments, backslashes and NUL bytes are refused.
 */
export function checkFilepath(p: string | undefined): string {
  const why = (reason: string): HarborError => new HarborError('BAD_REQUEST', `refusing layer path ${JSON.stringify(p ?? '')}: ${reason}`);
  if (p === undefined || p === '') throw why(`the layer has no ${ANNOTATION_FILEPATH} annotation`);
  if (p.includes('\0')) throw why('it contains a NUL byte');
  if (p.includes('\\')) throw why('it contains a backslash');
  if (p.startsWith('/') || isAbsolute(p) || /^[A-Za-z]:/.test(p)) throw why('it is absolute and would escape the target directory');
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  if (parts.length === 0) throw why('it names no file');
  if (parts.includes('..')) throw why('it contains ".." and would escape the target directory');
  return parts.join('/');
}

/**
 * The absolute path for `rel` under `root`, after checking that nothing on the way is a symlink
 * (a symlinked directory would carry the write outside `root`) and that the file itself is not one.
 */
export async function safeTarget(root: string, rel: string): Promise<string> {
  const clean = checkFilepath(rel);
  const absRoot = resolve(root);
  const target = resolve(absRoot, ...clean.split('/'));
  const r = relative(absRoot, target);
  if (r === '' || r.startsWith('..') || isAbsolute(r)) throw new HarborError('BAD_REQUEST', `refusing layer path ${JSON.stringify(rel)}: it escapes the target directory`);
  let cur = absRoot;
  for (const part of r.split(sep)) {
    cur = join(cur, part);
    try {
      if ((await lstat(cur)).isSymbolicLink()) {
        throw new HarborError('BAD_REQUEST', `refusing layer path ${JSON.stringify(rel)}: ${cur} is a symbolic link and could lead outside the target directory`);
      }
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') break;
      throw e;
    }
  }
  return target;
}

// Which blob store a server uses: `serve --storage URL` (env HARBORCTL_STORAGE), parsed here and
// opened by the composition root with openBlobStore. The one place that names the backends; the
// S3 one (and the AWS SDK) loads only when a server uses it.
//
//   file:DIR                                   the filesystem store in DIR
//   s3://BUCKET[/PREFIX]?endpoint=URL&region=R&path_style=true[&credentials_file=PATH[&profile=P]]
//                                              an S3-compatible bucket; keys under PREFIX/. The
//                                              credentials come from AWS_ACCESS_KEY_ID and
//                                              AWS_SECRET_ACCESS_KEY, or from an AWS shared
//                                              credentials file (profile `default` unless named)
//                                              that only its owner may read; never from the URL.
import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HarborError } from '../../core/errors.js';
import type { BlobStore } from './types.js';

export type StorageConfig =
  | { kind: 'file'; dir: string }
  | { kind: 's3'; bucket: string; prefix: string; endpoint?: string; region: string; pathStyle: boolean; redirect: boolean;
      /** An AWS shared credentials file and its profile, instead of the environment. */
      credentialsFile?: { path: string; profile: string } };

const FORMS = 'file:DIR or s3://BUCKET[/PREFIX]?endpoint=URL&region=R&path_style=true[&credentials_file=PATH]';
const S3_PARAMS = new Set(['endpoint', 'region', 'path_style', 'redirect', 'credentials_file', 'profile']);
const PROFILE = /^[A-Za-z0-9_.-]{1,64}$/;
/** A credentials file is a few lines: anything bigger is not one. */
const MAX_CREDENTIALS_FILE = 64 * 1024;
/** S3's bucket naming rules (lower case, digits, dots, hyphens; 3-63; no IP-address form). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const PREFIX_SEGMENT = /^[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}$/;
const REGION = /^[a-z0-9-]{1,32}$/;

function usage(message: string): HarborError {
  return new HarborError('USAGE', `--storage: ${message} (expected ${FORMS})`);
}

/**
 * Parses and checks a storage URL, and (for S3) that the credentials are in `env`. Error messages
 * never repeat the URL: it could hold a secret someone put there by mistake.
 */
export function parseStorageUrl(url: string, env: NodeJS.ProcessEnv = process.env): StorageConfig {
  if (url.startsWith('file:')) {
    const rest = url.slice('file:'.length);
    if (!rest) throw usage('file: needs a directory');
    let dir: string;
    try {
      dir = rest.startsWith('//') ? fileURLToPath(url) : rest;
    } catch {
      throw usage('a file: URL must name a local absolute path');
    }
    return { kind: 'file', dir: resolve(dir) };
  }
  if (!url.startsWith('s3://')) throw usage('unknown scheme');
  const m = /^s3:\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?$/.exec(url);
  if (!m) throw usage('an s3: URL has no #fragment');
  const [, bucket, path, query = ''] = m;
  if (bucket.includes('@')) throw usage('credentials do not belong in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
  if (!BUCKET.test(bucket) || bucket.includes('..') || /^\d+\.\d+\.\d+\.\d+$/.test(bucket)) {
    throw usage('invalid bucket name (3-63 lower-case letters, digits, dots and hyphens)');
  }
  const segments = path.split('/').filter((s, i, all) => !(i === 0 && s === '') && !(i === all.length - 1 && s === '' && all.length > 1));
  for (const s of segments) {
    if (!PREFIX_SEGMENT.test(s) || s === '..' || s === '.') throw usage('invalid prefix: segments of letters, digits, ".", "_" and "-", no empty, "." or ".." segment');
  }
  const params = new Map<string, string>();
  for (const [k, v] of new URLSearchParams(query)) {
    if (!S3_PARAMS.has(k)) throw usage(`unknown parameter ${JSON.stringify(k.slice(0, 40))}`);
    if (params.has(k)) throw usage(`parameter ${k} given twice`);
    params.set(k, v);
  }
  let endpoint: string | undefined;
  const e = params.get('endpoint');
  if (e !== undefined) {
    let u: URL;
    try {
      u = new URL(e);
    } catch {
      throw usage('endpoint is not a URL');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') throw usage('endpoint must be an http: or https: URL');
    if (u.username || u.password) throw usage('credentials do not belong in the URL: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY');
    if (u.search || u.hash || (u.pathname !== '/' && u.pathname !== '')) throw usage('endpoint is a scheme, host and port only');
    endpoint = u.origin;
  }
  const region = params.get('region') ?? 'us-east-1';
  if (!REGION.test(region)) throw usage('invalid region');
  const pathStyle = flag(params, 'path_style');
  const redirect = flag(params, 'redirect');
  const file = params.get('credentials_file');
  const profile = params.get('profile');
  if (file === '') throw usage('credentials_file needs a path');
  if (profile !== undefined && (file === undefined || !PROFILE.test(profile))) {
    throw usage(file === undefined ? 'profile goes with credentials_file' : 'invalid profile (letters, digits, ".", "_", "-")');
  }
  if (file === undefined && (!env.AWS_ACCESS_KEY_ID || !env.AWS_SECRET_ACCESS_KEY)) {
    throw usage('S3 storage needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment, or credentials_file=PATH');
  }
  return {
    kind: 's3', bucket, prefix: segments.join('/'), endpoint, region, pathStyle, redirect,
    ...(file !== undefined ? { credentialsFile: { path: resolve(file), profile: profile ?? 'default' } } : {}),
  };
}

function flag(params: Map<string, string>, name: string): boolean {
  const v = params.get(name);
  if (v === undefined || v === 'false') return false;
  if (v === 'true') return true;
  throw usage(`${name} is true or false`);
}

/**
 * Reads a profile's keys from an AWS shared credentials file (INI: `[profile]` sections of
 * `aws_access_key_id = ...` and `aws_secret_access_key = ...` lines; `#` and `;` comments). The
 * file must not be readable by group or others, as ssh insists for its keys. Errors name the file
 * and the profile, never a value.
 */
export async function readCredentialsFile(path: string, profile: string): Promise<{ accessKeyId: string; secretAccessKey: string }> {
  const fail = (why: string): HarborError => new HarborError('USAGE', `--storage: credentials_file ${path}: ${why}`);
  let text: string;
  try {
    const fh = await open(path, 'r');
    try {
      const st = await fh.stat();
      if (!st.isFile()) throw fail('not a regular file');
      if (st.mode & 0o077) throw fail(`readable by others (mode ${(st.mode & 0o777).toString(8).padStart(4, '0')}): chmod 600 it`);
      if (st.size > MAX_CREDENTIALS_FILE) throw fail('too large to be a credentials file');
      text = await fh.readFile('utf8');
    } finally {
      await fh.close();
    }
  } catch (e) {
    if (e instanceof HarborError) throw e;
    throw fail(`cannot be read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  let section: string | null = null;
  const keys = new Map<string, string>();
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const head = /^\[\s*([^\]]*?)\s*\]$/.exec(line);
    if (head) {
      section = head[1];
      continue;
    }
    const eq = line.indexOf('=');
    if (section !== profile || eq < 0) continue;
    keys.set(line.slice(0, eq).trim().toLowerCase(), line.slice(eq + 1).trim());
  }
  const accessKeyId = keys.get('aws_access_key_id');
  const secretAccessKey = keys.get('aws_secret_access_key');
  if (!accessKeyId || !secretAccessKey) throw fail(`profile [${profile}] has no aws_access_key_id and aws_secret_access_key`);
  return { accessKeyId, secretAccessKey };
}

/** Opens (and initializes) the configured blob store. */
export async function openBlobStore(cfg: StorageConfig, env: NodeJS.ProcessEnv = process.env): Promise<BlobStore> {
  if (cfg.kind === 'file') {
    const { FsBlobStore } = await import('./fs/index.js');
    const store = new FsBlobStore(cfg.dir);
    await store.init();
    return store;
  }
  const { S3BlobStore } = await import('./s3/index.js');
  const { kind: _kind, credentialsFile, ...opts } = cfg;
  const credentials = credentialsFile
    ? await readCredentialsFile(credentialsFile.path, credentialsFile.profile)
    : { accessKeyId: env.AWS_ACCESS_KEY_ID ?? '', secretAccessKey: env.AWS_SECRET_ACCESS_KEY ?? '' };
  const store = new S3BlobStore({ ...opts, credentials });
  await store.init();
  return store;
}

// What the model verbs share: which registry and credentials a REF means, a small worker pool, the
// progress line (TTY only), and the push state file that lets an interrupted push continue.
import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { HarborError } from '../../../core/errors.js';
import { formatSize } from '../../../core/sizes.js';
import { HarborClient } from '../../../client/http.js';
import { getProjectSummary } from '../../../client/projects.js';
import { RegistryClient, type RegistryCredentials } from '../../../client/registry.js';
import { parseArtifactRef, type ArtifactRef } from '../../../oci/reference.js';
import { normalizeServer, type Context } from '../../config.js';
import { askPassword, readStdin } from '../../output/interactive.js';
import type { Runtime } from '../../runtime.js';

export interface CredentialFlags { username?: string; passwordStdin?: boolean }

export interface Connection {
  client: RegistryClient;
  server: string;
  /** PROJECT/REPO, the repository name on /v2/. */
  repo: string;
  ref: ArtifactRef;
  /** A Harbor API client with the same server and credentials (for what /v2/ cannot tell). */
  api(): HarborClient;
}

/** Parses REF ([HOST/]PROJECT/REPO[:TAG|@DIGEST]); no tag and no digest means :latest. */
export function modelRef(s: string): ArtifactRef {
  const ref = parseArtifactRef(s);
  if (!ref.tag && !ref.digest) ref.tag = 'latest';
  return ref;
}

/**
 * The registry and credentials for a REF. Server: the REF's HOST, else the current target (--server,
 * --context, the current context, the local serve). Credentials: --username with --password-stdin
 * (or a prompt) when given, else the saved context for that host, else none (anonymous).
 */
export async function connect(rt: Runtime, refArg: string, flags: CredentialFlags): Promise<Connection> {
  const ref = modelRef(refArg);
  if (flags.passwordStdin && !flags.username) throw new HarborError('USAGE', '--password-stdin needs --username');
  let server: string;
  let ctx: Context | undefined;
  if (ref.host) {
    server = normalizeServer(ref.host);
    ctx = rt.contextFor(server);
  } else {
    ctx = rt.target();
    server = ctx.server;
  }
  let credentials: RegistryCredentials | undefined;
  if (flags.username) {
    const password = flags.passwordStdin ? await readStdin(rt) : await askPassword(rt, `Password for ${flags.username}:`, '--password-stdin');
    if (!password) throw new HarborError('USAGE', 'the password is empty');
    credentials = { username: flags.username, password };
  } else if (ctx?.username) {
    credentials = { username: ctx.username, password: ctx.password };
  }
  const client = new RegistryClient({
    server, credentials,
    caFile: rt.opts.caFile ?? ctx?.caFile,
    insecure: rt.opts.insecure ?? ctx?.insecure,
    timeoutMs: rt.timeoutMs('transfer'),
    debug: rt.opts.debug ? (line) => rt.io.stderr.write(`debug: ${line}\n`) : undefined,
  });
  const api = (): HarborClient => new HarborClient({
    server, username: credentials?.username, password: credentials?.password,
    caFile: rt.opts.caFile ?? ctx?.caFile, insecure: rt.opts.insecure ?? ctx?.insecure, timeoutMs: rt.timeoutMs(),
  });
  return { client, server, repo: `${ref.project}/${ref.repo}`, ref, api };
}

/**
 * Refuses a push of `bytes` new bytes that the project's quota cannot take, before any is sent
 * (Harbor's GET /projects/{p}/summary). Where that API is missing or closed to this user, the
 * registry's own refusal at upload time says it instead.
 */
export async function checkQuota(conn: Connection, bytes: number): Promise<void> {
  if (bytes <= 0) return;
  const api = conn.api();
  let quota;
  try {
    quota = (await getProjectSummary(api, conn.ref.project)).quota;
  } catch {
    return;
  } finally {
    await api.close();
  }
  const limit = quota?.hard?.storage;
  const used = quota?.used?.storage ?? 0;
  if (typeof limit !== 'number' || limit < 0 || used + bytes <= limit) return;
  throw new HarborError('QUOTA_EXCEEDED', `project ${conn.ref.project} has ${formatSize(Math.max(limit - used, 0))} of its ${formatSize(limit)} quota left; `
    + `this push needs ${formatSize(bytes)} more: nothing was sent (raise it with harborctl quota set ${conn.ref.project} SIZE)`);
}

/** Runs fn over items with at most n at a time; the first failure stops new work and is thrown. */
export async function pool<T>(items: T[], n: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let failed: unknown;
  const worker = async (): Promise<void> => {
    while (failed === undefined && next < items.length) {
      const item = items[next++];
      try {
        await fn(item);
      } catch (e) {
        failed ??= e;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, worker));
  if (failed !== undefined) throw failed;
}

export function parseConcurrency(s: string | undefined): number {
  const n = s === undefined ? 3 : Number(s);
  if (!Number.isInteger(n) || n < 1 || n > 16) throw new HarborError('USAGE', `invalid --concurrency ${JSON.stringify(s)}: 1 to 16`);
  return n;
}

// ---- the push state file

/** What an interrupted push leaves for the next run of the same push. */
export interface PushState {
  version: 1;
  /** path → the digest computed for it, valid while size and mtime are unchanged. */
  files: Record<string, { size: number; mtimeMs: number; digest: string }>;
  /** digest → the upload session URL of an unfinished chunked upload. */
  uploads: Record<string, string>;
}

/**
 * $XDG_STATE_HOME/harborctl/model-push/<key>.json (default ~/.local/state/…), one file per
 * (model directory, registry, repository); removed when the push completes.
 */
export function pushStatePath(env: NodeJS.ProcessEnv, dir: string, server: string, repo: string): string {
  const base = env.XDG_STATE_HOME || join(env.HOME || homedir(), '.local', 'state');
  const key = createHash('sha256').update(`${dir}\n${server}\n${repo}`).digest('hex').slice(0, 32);
  return join(base, 'harborctl', 'model-push', `${key}.json`);
}

export async function loadPushState(path: string): Promise<PushState> {
  let s: Partial<PushState> = {};
  try {
    s = JSON.parse(await readFile(path, 'utf8')) as PushState;
  } catch { /* none yet, or unreadable: start clean */ }
  const ok = s.version === 1 && typeof s.files === 'object' && typeof s.uploads === 'object';
  // Keyed by the model's file names: null-prototype records, so a file named __proto__ or
  // constructor is an entry like any other (kept, and never Object's own).
  const record = <T>(r: Record<string, T> | undefined): Record<string, T> => Object.assign(Object.create(null) as Record<string, T>, ok ? r : {});
  return { version: 1, files: record(s.files), uploads: record(s.uploads) };
}

/** Written to a temp file and renamed, so a kill mid-write leaves the previous state whole. */
export class PushStateFile {
  private writing: Promise<void> = Promise.resolve();
  constructor(readonly path: string, readonly state: PushState) {}

  save(): Promise<void> {
    const data = JSON.stringify(this.state);
    this.writing = this.writing.then(async () => {
      await mkdir(join(this.path, '..'), { recursive: true, mode: 0o700 });
      const tmp = `${this.path}.${process.pid}.tmp`;
      await writeFile(tmp, data, { mode: 0o600 });
      await rename(tmp, this.path);
    });
    return this.writing;
  }

  async remove(): Promise<void> {
    await this.writing.catch(() => undefined);
    await rm(this.path, { force: true });
  }
}

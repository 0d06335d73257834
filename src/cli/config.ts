// Contexts and credentials: one JSON file written atomically with mode 0600 (temp file + rename), in
// $HARBORCTL_CONFIG_DIR, else $XDG_CONFIG_HOME/harborctl (~/.config/harborctl). A context is a server,
// a user and that user's password (kept like Docker's config.json keeps it: only the owner can read it).
// Also: the local server found from the data dir (first run), and Docker's config.json `auths` entry.
// Plain fs, not the `conf` package: conf brings ajv and semver, ~100 ms of CPU to import on every
// command, for a file we only read whole and write whole.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { HarborError } from '../core/errors.js';
import { defaultDataDir } from './paths.js';

export interface Context {
  server: string;
  username: string;
  password: string;
  caFile?: string;
  insecure?: boolean;
}

interface Store {
  current?: string;
  contexts: Record<string, Context>;
}

export function configDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HARBORCTL_CONFIG_DIR) return env.HARBORCTL_CONFIG_DIR;
  return join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'harborctl');
}

export class ConfigStore {
  readonly path: string;
  private data: Store;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    const dir = configDir(env);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    this.path = join(dir, 'config.json');
    let text: string | undefined;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new Error(`cannot read ${this.path}: ${(e as Error).message}`);
    }
    let parsed: unknown = {};
    try {
      if (text !== undefined && text.trim() !== '') parsed = JSON.parse(text);
    } catch (e) {
      throw new Error(`cannot read ${this.path}: ${(e as Error).message}`);
    }
    const obj = (parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {}) as Partial<Store>;
    const contexts = obj.contexts && typeof obj.contexts === 'object' && !Array.isArray(obj.contexts) ? obj.contexts : {};
    this.data = { ...(typeof obj.current === 'string' ? { current: obj.current } : {}), contexts };
  }

  contexts(): Record<string, Context> { return this.data.contexts; }

  current(): string | undefined { return this.data.current; }

  private write(next: Store): void {
    writeJsonFile(this.path, next);
    this.data = next;
  }

  get(name: string): Context | undefined {
    const all = this.contexts();
    return Object.hasOwn(all, name) ? all[name] : undefined; // a context named constructor is not Object's
  }

  /** Adds or replaces a context and makes it current. */
  save(name: string, ctx: Context): void {
    this.write({ contexts: { ...this.contexts(), [name]: ctx }, current: name });
  }

  /** Replaces a context's fields without changing which one is current. */
  update(name: string, ctx: Context): void {
    this.write({ ...this.data, contexts: { ...this.contexts(), [name]: ctx } });
  }

  use(name: string): void {
    // Using "local" (the data-dir server, not a saved context) means: no current context.
    if (name === 'local' && !this.get(name)) { this.write({ contexts: this.contexts() }); return; }
    if (!this.get(name)) throw new HarborError('NOT_FOUND', `context ${name} not found: see harborctl context list`);
    this.write({ contexts: this.contexts(), current: name });
  }

  remove(name: string): void {
    const all = { ...this.contexts() };
    delete all[name];
    const current = this.current();
    this.write({ contexts: all, ...(current !== undefined && current !== name ? { current } : {}) });
  }
}

/** The context name login chooses: user@host[:port]. */
export function contextName(server: string, username: string): string {
  return `${username}@${new URL(server).host}`;
}

/** The local `harborctl serve` of this OS user, from the files it writes on first start. */
export function localServer(env: NodeJS.ProcessEnv = process.env): Context | undefined {
  const dir = defaultDataDir(env);
  let url: string;
  let ca: string | undefined;
  try {
    const info = JSON.parse(readFileSync(join(dir, 'server.json'), 'utf8')) as { url?: string; ca?: string };
    url = info.url ?? '';
    ca = typeof info.ca === 'string' ? info.ca : undefined;
  } catch {
    return undefined;
  }
  if (!/^https?:\/\//.test(url)) return undefined;
  let password: string;
  try {
    password = readFileSync(join(dir, 'admin.password'), 'utf8').trim();
  } catch {
    return undefined;
  }
  // serve --tls (tls init's certificate): trust the data dir's CA for this server, with no flag.
  return { server: url, username: 'admin', password, ...(ca && url.startsWith('https:') ? { caFile: ca } : {}) };
}

/**
 * A server as typed by the user → a base URL. No scheme means https, except for loopback
 * addresses, where the embedded registry serves plain http by default.
 */
export function normalizeServer(s: string): string {
  let t = s.trim().replace(/\/+$/, '');
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(t)) {
    const host = t.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
    const loopback = host === 'localhost' || /^127\./.test(host) || host === '::1';
    t = `${loopback ? 'http' : 'https'}://${t}`;
  }
  let u: URL;
  try {
    u = new URL(t);
  } catch {
    throw new HarborError('USAGE', `invalid server ${JSON.stringify(s)}: use HOST[:PORT] or a URL like https://harbor.example.com`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new HarborError('USAGE', `invalid server ${JSON.stringify(s)}: only http and https`);
  if (u.username || u.password) throw new HarborError('USAGE', 'put credentials in -u and --password-stdin, not in the server URL');
  return u.origin + u.pathname.replace(/\/+$/, '');
}

/** $DOCKER_CONFIG/config.json, else ~/.docker/config.json (what docker, podman and skopeo read). */
export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

/** Adds or replaces auths[host] keeping the rest of the file; written to a temp file, then renamed, mode 0600. */
export function writeDockerAuth(server: string, username: string, password: string, env: NodeJS.ProcessEnv = process.env): string {
  const file = dockerConfigPath(env);
  let cfg: { auths?: Record<string, unknown>; [k: string]: unknown } = {};
  try {
    cfg = JSON.parse(readFileSync(file, 'utf8')) as typeof cfg;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new HarborError('BAD_REQUEST', `cannot update ${file}: it is not valid JSON`);
  }
  const host = new URL(server).host;
  cfg.auths = { ...(cfg.auths ?? {}), [host]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } };
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeJsonFile(file, cfg);
  return file;
}

/** Removes auths[host] if present; returns whether something was removed. */
export function removeDockerAuth(server: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const file = dockerConfigPath(env);
  let cfg: { auths?: Record<string, unknown> };
  try {
    cfg = JSON.parse(readFileSync(file, 'utf8')) as typeof cfg;
  } catch {
    return false;
  }
  const host = new URL(server).host;
  if (!cfg.auths || !Object.hasOwn(cfg.auths, host)) return false;
  delete cfg.auths[host];
  writeJsonFile(file, cfg);
  return true;
}

/** Writes JSON (tab-indented) to a temp file beside `file`, mode 0600, then renames it over `file`. */
function writeJsonFile(file: string, data: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(data, null, '\t')}\n`, { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

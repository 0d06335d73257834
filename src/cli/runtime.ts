// What every command action receives: the streams (so tests run commands in-process), the global
// options, and `connect()`, which finds the server and credentials to use.
import { HarborError } from '../core/errors.js';
import { HarborClient } from '../client/http.js';
import { parseDuration } from '../core/units.js';
import { ConfigStore, localServer, normalizeServer, type Context } from './config.js';
import type { ListFormat, OutputFormat } from './output/formats.js';

export interface OutStream { write(s: string): unknown; isTTY?: boolean }

export interface Io {
  stdout: OutStream;
  stderr: OutStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** The real process: Ctrl-C during a command prints one line and exits 130. */
  signals?: boolean;
}

export interface GlobalOptions {
  output: OutputFormat;
  context?: string;
  server?: string;
  caFile?: string;
  insecure?: boolean;
  /** false with --no-input. */
  input: boolean;
  debug?: boolean;
  /** --timeout DURATION: the longest a server may stay silent. */
  timeout?: string;
  /** -q/--quiet of a list command: names (or ids) only. */
  quiet?: boolean;
}

/** A silent server is given up on after this long; blob transfers wait longer for a registry's commit of a large blob. */
const DEFAULT_TIMEOUT = { api: 30_000, transfer: 300_000 } as const;

export interface Target extends Context {
  /** The context name, "local" for the data-dir server, undefined for a bare --server. */
  context?: string;
}

export class Runtime {
  private warnedInsecure = false;
  private store: ConfigStore | undefined;

  constructor(readonly io: Io, readonly opts: GlobalOptions) {}

  config(): ConfigStore {
    this.store ??= new ConfigStore(this.io.env);
    return this.store;
  }

  warn(msg: string): void {
    this.io.stderr.write(`harborctl: warning: ${msg}\n`);
  }

  info(msg: string): void {
    // Human notes go to stderr so stdout stays the data; silent under -o json/yaml and -q.
    if (this.opts.output === 'table' && !this.opts.quiet) this.io.stderr.write(`${msg}\n`);
  }

  /** How a list prints: -q (names only), else -o. */
  listFormat(): ListFormat {
    if (!this.opts.quiet) return this.opts.output;
    if (this.opts.output !== 'table') throw new HarborError('USAGE', `-q prints names only; -o ${this.opts.output} prints everything: choose one`);
    return 'quiet';
  }

  /**
   * Which server and user: --server (with the credentials of a context for that server, or of the
   * local server), else --context, else the current context, else the local `harborctl serve`.
   */
  target(opts: { host?: string } = {}): Target {
    const store = this.config();
    let t: Target | undefined;
    if (this.opts.context) {
      // "local" is the data-dir server unless a saved context has that name.
      const c = store.get(this.opts.context) ?? (this.opts.context === 'local' ? localServer(this.io.env) : undefined);
      if (!c) throw new HarborError('NOT_FOUND', `context ${this.opts.context} not found: see harborctl context list`);
      t = { ...c, context: this.opts.context };
    }
    const wanted = this.opts.server ? normalizeServer(this.opts.server) : undefined;
    if (wanted && (!t || t.server !== wanted)) t = this.contextFor(wanted, { exact: true }) ?? { server: wanted, username: '', password: '' };
    if (!t) {
      const cur = store.current();
      const c = cur ? store.get(cur) : undefined;
      if (c) t = { ...c, context: cur };
    }
    if (!t) {
      const local = localServer(this.io.env);
      if (local) t = { ...local, context: 'local' };
    }
    if (!t) {
      throw new HarborError('USAGE', 'no registry to talk to: run harborctl login SERVER, or start harborctl serve on this machine');
    }
    // A HOST written in an artifact reference picks the context for that host.
    if (opts.host && new URL(t.server).host !== opts.host) {
      const other = this.contextFor(normalizeServer(opts.host));
      if (!other) throw new HarborError('USAGE', `no context for ${opts.host}: run harborctl login ${opts.host}`);
      t = other;
    }
    return t;
  }

  /**
   * The saved context for a server (that URL, else unless `exact` the same HOST:PORT): the --context
   * or the current context when it is one for that server, else the first saved one, else the local serve.
   */
  contextFor(server: string, { exact = false } = {}): Target | undefined {
    const store = this.config();
    const all: Target[] = Object.entries(store.contexts()).map(([name, c]) => ({ ...c, context: name }));
    const local = localServer(this.io.env);
    if (local) all.push({ ...local, context: 'local' });
    const preferred = [this.opts.context, store.current()];
    const rank = (t: Target): number => { const i = preferred.indexOf(t.context); return i < 0 ? preferred.length : i; };
    all.sort((a, b) => rank(a) - rank(b));
    const host = new URL(server).host;
    return all.find((c) => c.server === server) ?? (exact ? undefined : all.find((c) => new URL(c.server).host === host));
  }

  /** --timeout in ms, or the default for this kind of request. */
  timeoutMs(kind: keyof typeof DEFAULT_TIMEOUT = 'api'): number {
    if (this.opts.timeout === undefined) return DEFAULT_TIMEOUT[kind];
    let ms: number;
    try { ms = parseDuration(this.opts.timeout); } catch { ms = NaN; }
    if (!(ms >= 1000)) throw new HarborError('USAGE', `invalid --timeout ${JSON.stringify(this.opts.timeout)}: a duration of at least 1s, e.g. 10s, 2m`);
    return ms;
  }

  /** A client for `target`; --ca-file and --insecure override what the context stored. */
  client(t: Pick<Target, 'server' | 'username' | 'password' | 'caFile' | 'insecure'>): HarborClient {
    const insecure = this.opts.insecure ?? t.insecure ?? false;
    if (insecure && !this.warnedInsecure) {
      this.warnedInsecure = true;
      this.warn(`TLS certificate verification is disabled for ${t.server} (--insecure)`);
    }
    return new HarborClient({
      server: t.server,
      username: t.username || undefined,
      password: t.username ? t.password : undefined,
      caFile: this.opts.caFile ?? t.caFile,
      insecure,
      timeoutMs: this.timeoutMs(),
      debug: this.opts.debug ? (line) => this.io.stderr.write(`debug: ${line}\n`) : undefined,
    });
  }

  /** Runs fn with a client for the target and closes it afterwards. */
  async withClient<T>(fn: (c: HarborClient, t: Target) => Promise<T>, opts: { host?: string } = {}): Promise<T> {
    const t = this.target(opts);
    const c = this.client(t);
    try {
      return await fn(c, t);
    } finally {
      await c.close();
    }
  }
}

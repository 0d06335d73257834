// harborctl serve: run the embedded registry until SIGINT/SIGTERM.
import { readFile } from 'node:fs/promises';
import { checkAuditEventTypes, eventTypeList } from '../../../core/audit-settings.js';
import { HarborError } from '../../../core/errors.js';
import { createLogger, isLogLevel } from '../../../core/log.js';
import { parseDuration, parseListen } from '../../../core/units.js';
import { parseStorageUrl } from '../../../storage/blobs/config.js';
import { parseDbUrl } from '../../../storage/meta/db-url.js';
import { databaseOf, firstStartAdmin } from '../../../server/bootstrap.js';
import { defaultDataDir } from '../../paths.js';
import { prepareDataDir } from '../../data-dir.js';
import { codeCacheUse } from '../../code-cache.js';

export interface ServeOptions {
  listen: string;
  dataDir?: string;
  /** `--storage`, else HARBORCTL_STORAGE, else the data dir's blobs/. */
  storage?: string;
  /** `--db`, else HARBORCTL_DB, else the data dir's registry.db. */
  db?: string;
  tlsCert?: string;
  tlsKey?: string;
  /** The certificate of `harborctl tls init` in the data dir. */
  tls?: boolean;
  logLevel: string;
  uploadTtl: string;
  proxyRevalidate: string;
  proxyTimeout: string;
  bodyIdleTimeout: string;
  maxConnectionsPerClient: string;
  /** HOST:PORT or `off`; undefined: DEFAULT_METRICS_LISTEN, and a busy port is a warning, not a failure. */
  metricsListen?: string;
  auditLogForwardEndpoint?: string;
  skipAuditLogDatabase?: boolean;
  disabledAuditLogEventTypes?: string;
}

/** Loopback: /metrics names every project, so only this host reads it unless told otherwise. */
export const DEFAULT_METRICS_LISTEN = '127.0.0.1:5281';

export async function serve(opts: ServeOptions): Promise<void> {
  // Every option is checked before anything is opened.
  const { host, port } = parseListen(opts.listen);
  if (!isLogLevel(opts.logLevel)) throw new HarborError('USAGE', `invalid --log-level ${JSON.stringify(opts.logLevel)}: debug, info, warn, error or silent`);
  if (Boolean(opts.tlsCert) !== Boolean(opts.tlsKey)) throw new HarborError('USAGE', '--tls-cert and --tls-key go together');
  if (opts.tls && opts.tlsCert) throw new HarborError('USAGE', '--tls uses the certificate of harborctl tls init; --tls-cert/--tls-key give another: choose one');
  const uploadTtlMs = parseDuration(opts.uploadTtl);
  const proxyRevalidateMs = parseDuration(opts.proxyRevalidate);
  const proxyTimeoutMs = parseDuration(opts.proxyTimeout);
  if (proxyTimeoutMs < 100) throw new HarborError('USAGE', '--proxy-timeout must be at least 100ms');
  const bodyIdleTimeoutMs = parseDuration(opts.bodyIdleTimeout);
  if (bodyIdleTimeoutMs < 1000) throw new HarborError('USAGE', '--body-idle-timeout must be at least 1s');
  if (!/^[1-9]\d{0,5}$/.test(opts.maxConnectionsPerClient)) throw new HarborError('USAGE', `invalid --max-connections-per-client ${JSON.stringify(opts.maxConnectionsPerClient)}: a whole number from 1 to 999999`);
  const maxConnectionsPerClient = Number(opts.maxConnectionsPerClient);
  const metricsListen = opts.metricsListen ?? DEFAULT_METRICS_LISTEN;
  const metricsAt = metricsListen === 'off' ? undefined : parseListen(metricsListen);
  // The extended audit log's three settings: initial values of the configuration items of the same
  // names (stored at the first start that gives them; PUT /configurations changes them afterwards).
  const initialConfig: Record<string, string | boolean> = {};
  if (opts.auditLogForwardEndpoint !== undefined) {
    try {
      parseListen(opts.auditLogForwardEndpoint);
    } catch {
      throw new HarborError('USAGE', `invalid --audit-log-forward-endpoint ${JSON.stringify(opts.auditLogForwardEndpoint)}: use HOST:PORT`);
    }
    initialConfig.audit_log_forward_endpoint = opts.auditLogForwardEndpoint;
  }
  if (opts.skipAuditLogDatabase) {
    if (!opts.auditLogForwardEndpoint) throw new HarborError('USAGE', '--skip-audit-log-database needs --audit-log-forward-endpoint: records would go nowhere');
    initialConfig.skip_audit_log_database = true;
  }
  if (opts.disabledAuditLogEventTypes !== undefined) {
    const types = eventTypeList(opts.disabledAuditLogEventTypes.toLowerCase()).join(',');
    try {
      checkAuditEventTypes(types, '--disabled-audit-log-event-types');
    } catch (e) {
      throw new HarborError('USAGE', (e as Error).message);
    }
    initialConfig.disabled_audit_log_event_types = types;
  }
  const storageUrl = opts.storage ?? process.env.HARBORCTL_STORAGE;
  const storage = storageUrl ? parseStorageUrl(storageUrl) : undefined;
  const dbUrl = opts.db ?? process.env.HARBORCTL_DB;
  const db = dbUrl ? parseDbUrl(dbUrl) : undefined;
  const dataDir = opts.dataDir ?? defaultDataDir();
  await prepareDataDir(dataDir);
  // A first start hashes the admin's password (scrypt, 85-100 ms) on the thread pool while the
  // server's modules load below, rather than after: a first start answered ~40 ms sooner
  // (docs/benchmarks.md, fourteenth session).
  const firstAdmin = firstStartAdmin(databaseOf(dataDir, db), undefined);
  const log = createLogger(opts.logLevel);
  const tls = opts.tls
    ? await (await import('../../../server/tls.js')).loadServerTls(dataDir)
    : opts.tlsCert && opts.tlsKey
      ? { cert: await readFile(opts.tlsCert), key: await readFile(opts.tlsKey) }
      : undefined;

  const { createApp } = await import('../../../server/app.js');
  const app = await createApp({
    dataDir, storage, db, log, tls, uploadTtlMs, proxy: { revalidateMs: proxyRevalidateMs, upstreamTimeoutMs: proxyTimeoutMs }, bodyIdleTimeoutMs, maxConnectionsPerClient,
    metrics: metricsAt ? {} : undefined, initialConfig, firstAdmin,
  });
  // Signal handlers go in before anything is announced: a SIGTERM right after "listening" must
  // still shut down cleanly.
  let stopping = false;
  const stopped = new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      if (stopping) {
        log.warn('second signal: exiting now', { signal });
        process.exit(130);
      }
      stopping = true;
      log.info('shutting down: finishing in-flight requests', { signal });
      app.close().then(() => { log.info('stopped'); resolve(); }, (e: unknown) => { log.error('shutdown failed', { error: e }); resolve(); });
    };
    process.on('SIGINT', () => stop('SIGINT'));
    process.on('SIGTERM', () => stop('SIGTERM'));
  });
  const listenFailed = (address: string) => async (e: NodeJS.ErrnoException): Promise<never> => {
    await app.close();
    if (e.code === 'EADDRINUSE') throw new HarborError('USAGE', `cannot listen on ${address}: address already in use`);
    if (e.code === 'EACCES') throw new HarborError('USAGE', `cannot listen on ${address}: permission denied`);
    throw e;
  };
  const actual = await app.listen(port, host).catch(listenFailed(opts.listen));
  if (stopping) return stopped;
  log.info(`harborctl registry listening on ${tls ? 'https' : 'http'}://${shownHost(host)}:${actual}`, { dataDir });
  // How many of the chunks loaded so far V8 took from their code cache (code-cache.ts).
  log.debug('code cache', codeCacheUse());
  if (metricsAt) {
    const metricsPort = await app.listenMetrics(metricsAt.port, metricsAt.host).catch((e: NodeJS.ErrnoException) => {
      // The default address is shared by every instance on the host: a second one runs without metrics.
      if (opts.metricsListen === undefined && e.code === 'EADDRINUSE') {
        log.warn(`metrics: ${DEFAULT_METRICS_LISTEN} is in use, running without /metrics (choose another address with --metrics-listen HOST:PORT, or off)`);
        return undefined;
      }
      return listenFailed(metricsListen)(e);
    });
    if (stopping) return stopped;
    if (metricsPort !== undefined) log.info(`harborctl metrics listening on http://${shownHost(metricsAt.host)}:${metricsPort}/metrics`);
  }
  return stopped;
}

function shownHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

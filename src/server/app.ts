// Builds the whole registry from a config: stores, services, the HTTP server (not yet listening),
// the first-start defaults and the upload purger. `close()` undoes all of it.
import * as fsp from 'node:fs/promises';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { HarborError } from '../core/errors.js';
import type { Logger } from '../core/log.js';
import { harborctlVersion } from '../core/version.js';
import { ArtifactService } from '../services/artifacts.js';
import { LabelService } from '../services/labels.js';
import { OverviewService } from '../services/overview.js';
import { AuditLogService, PURGE_AUDIT_KIND } from '../services/audit.js';
import { ConfigService, type ConfigValue } from '../services/config.js';
import { AuditExtService } from '../services/audit-ext.js';
import { BlobLocks } from '../services/blob-locks.js';
import { Locks } from '../services/locks.js';
import { GC_KIND, GcService } from '../services/gc.js';
import { gcParameters } from './api/gc.js';
import { purgeParameters } from './api/purge.js';
import { InventoryService, type InventoryOptions } from '../services/metrics.js';
import { AuthService, type LoginDelay } from '../services/auth.js';
import { ImmutableService } from '../services/immutable.js';
import { LdapService } from '../services/ldap.js';
import { OidcService } from '../services/oidc.js';
import { ProjectRowCache } from '../services/project-rows.js';
import { ProjectService } from '../services/projects.js';
import { QuotaService } from '../services/quotas.js';
import { RegistryEndpointService, SecretBox } from '../services/registries.js';
import { RETENTION_KIND, RetentionService } from '../services/retention.js';
import { REPLICATION_KIND, ReplicationService, type ReplicationOptions } from '../services/replication/service.js';
import { RobotService } from '../services/robots.js';
import { AccessControl } from '../services/rbac.js';
import { ProxyRegistry, type ProxyOptions } from '../services/proxy.js';
import { RegistryService, type RegistryOptions } from '../services/registry.js';
import { SbomService } from '../services/sbom.js';
import { ScannerAdapterClient } from '../services/scanner-adapter.js';
import { ScannerService } from '../services/scanners.js';
import { SCAN_ALL_KIND, ScanService } from '../services/scans.js';
import { JobMonitor } from '../services/jobmonitor.js';
import { Scheduler } from '../services/scheduler.js';
import type { ScanLimits } from '../sbom/index.js';
import { parseSize } from '../core/sizes.js';
import { TokenService } from '../services/token.js';
import { UserGroupService } from '../services/usergroups.js';
import { UserService } from '../services/users.js';
import { WebhookService, type WebhookOptions } from '../services/webhooks.js';
import { openBlobStore, type StorageConfig } from '../storage/blobs/config.js';
import type { BlobStore } from '../storage/blobs/types.js';
import type { MetaStores } from '../storage/meta/index.js';
import { type DbConfig, redactDbUrl } from '../storage/meta/db-url.js';
import { openSqliteStores } from '../storage/meta/sqlite/index.js';
import { databaseOf, ensureAdmin, ensureLibrary, firstStartAdmin, loadRegistryKey, loadTokenKey, localUrl, updateAdminPasswordFile, writeServerInfo, type FirstAdminPassword } from './bootstrap.js';
import { createHttpServer } from './http.js';
import { createMetricsServer, ServerMetrics } from './metrics.js';

export interface AppConfig {
  dataDir: string;
  log: Logger;
  /** caFile: the CA that signed cert (tls init's), recorded in server.json for the local CLI to trust. */
  tls?: { cert: Buffer; key: Buffer; caFile?: string };
  /** Idle time after which an upload session is abandoned (default 24 h). */
  uploadTtlMs?: number;
  clock?: () => number;
  /**
   * The first-start password of `admin` (tests set it); else HARBOR_ADMIN_PASSWORD, else generated.
   * Ignored once the admin exists.
   */
  adminPassword?: string;
  /** The first start's admin password and hash when the caller started them (serve: firstStartAdmin). */
  firstAdmin?: FirstAdminPassword;
  /** Where the one-time generated admin password is printed (default stderr). */
  notice?: { write(s: string): unknown };
  /** How failed logins are slowed down (default: 3 free per name, 50 per client address, then 250 ms doubling up to 8 s). */
  loginDelay?: LoginDelay;
  /** Lifetime of registry tokens in seconds (default 1800, Harbor's). */
  tokenTtlSec?: number;
  /** Proxy-cache projects: tag revalidation interval and upstream timeout. */
  proxy?: ProxyOptions;
  /** Harbor's storage_per_project until PUT /configurations sets one: bytes, default -1 (unlimited). */
  defaultStorageLimit?: number;
  /** A request body that sends nothing for this long is cut (default 60 s); `serve --body-idle-timeout`. */
  bodyIdleTimeoutMs?: number;
  /** Open connections one client address may hold (default 256); `serve --max-connections-per-client`. */
  maxConnectionsPerClient?: number;
  /** Bounds of an SBOM scan (default src/sbom DEFAULT_SCAN_LIMITS; temp files in <dataDir>/sbom-scratch). */
  sbomScanLimits?: Partial<ScanLimits>;
  /**
   * Collect metrics (request counters from the start; `listenMetrics` serves them). Its options: how
   * long the database's figures are cached and how many projects get series of their own.
   */
  metrics?: Pick<InventoryOptions, 'ttlMs' | 'maxProjects'>;
  /**
   * Initial values of configuration items (`serve`'s audit log flags), as Harbor's environment seeds
   * its database configuration: stored when the item has never been set; afterwards the stored value
   * (PUT /configurations) is in force and a different initial value is only warned about.
   */
  initialConfig?: Record<string, ConfigValue>;
  /** Webhook delivery: retries, backoff, concurrency, timeouts (defaults in services/webhooks.ts). */
  webhooks?: WebhookOptions;
  /** Where blobs live (`serve --storage`); default the filesystem under <dataDir>/blobs. */
  storage?: StorageConfig;
  /** Replication workers: concurrency, lease, backoff (defaults in services/replication/service.ts). */
  replication?: Omit<ReplicationOptions, 'clock' | 'onScheduleChange' | 'ensureProject' | 'onTaskEnd'>;
  /** The metadata database (`serve --db`); default SQLite in <dataDir>/registry.db. */
  db?: DbConfig;
}

export interface App {
  server: http.Server;
  registry: ProxyRegistry;
  users: UserService;
  projects: ProjectService;
  quotas: QuotaService;
  robots: RobotService;
  tokens: TokenService;
  auth: AuthService;
  /** The metadata stores; the only place above storage/ that picks a backend is this file. */
  stores: MetaStores;
  blobs: BlobStore;
  /** Tag retention (issue 15 §4): `runRetention(policyId, {dryRun})` for the scheduler, `idle()` waits for runs. */
  retention: RetentionService;
  /** SBOM generation (issue 7); `sbom.idle()` waits for the background queue. */
  sbom: SbomService;
  /** Webhook policies and the delivery queue (issue 19). */
  webhooks: WebhookService;
  /** The extended audit log (auditlog-exts); `auditExt.event()` records, `auditExt.flush()` writes now. */
  auditExt: AuditExtService;
  /** Background jobs (GC, audit-log purge); `scheduler.wait(id)` waits for a run. */
  scheduler: Scheduler;
  /** Replication policies, executions and their workers (issue 18). */
  replication: ReplicationService;
  /** Vulnerability scans through scanner adapters; `scans.idle()` waits for them. */
  scans: ScanService;
  /**
   * Listens, then records the URL in <dataDir>/server.json (the same OS user's CLI finds the local
   * server there) before resolving with the port: once this returns, the file is in place.
   */
  listen(port: number, host: string): Promise<number>;
  /** Serves GET /metrics on a listener of its own (only with `metrics` in the config); resolves with its port. */
  listenMetrics(port: number, host: string): Promise<number>;
  close(): Promise<void>;
}

export const DEFAULT_UPLOAD_TTL_MS = 24 * 3600_000;
/** How often a replica picks up what the others changed (services/locks.ts has the rest). */
const REPLICA_SYNC_MS = 10_000;

/**
 * This replica's SBOM scratch directory, <dataDir>/sbom-scratch/<replica id>, held by its lock
 * `replica:<id>` for the process's life. What replicas that are gone left there (their lock is
 * free) is removed; replicas sharing the data dir keep theirs.
 */
async function sbomScratch(dataDir: string, locks: Locks): Promise<string> {
  const root = join(dataDir, 'sbom-scratch');
  await locks.tryAcquire(`replica:${locks.replicaId}`);
  for (const name of await fsp.readdir(root).catch(() => [] as string[])) {
    const lease = await locks.tryAcquire(`replica:${name}`);
    if (!lease) continue;
    await fsp.rm(join(root, name), { recursive: true, force: true });
    await lease.release();
  }
  return join(root, locks.replicaId);
}

/** HARBORCTL_SBOM_MAX_UNPACKED ("64GiB"): what an image's layers may unpack to before its SBOM scan fails. */
function sbomLimitsFromEnv(): Partial<ScanLimits> {
  const v = process.env.HARBORCTL_SBOM_MAX_UNPACKED;
  return v ? { maxUnpackedBytes: parseSize(v) } : {};
}

export async function createApp(cfg: AppConfig): Promise<App> {
  await fsp.mkdir(cfg.dataDir, { recursive: true, mode: 0o700 });
  const db = databaseOf(cfg.dataDir, cfg.db);
  // A first start: the admin's password hash is made on the thread pool while the database is created.
  const firstAdmin = cfg.firstAdmin ?? firstStartAdmin(db, cfg.adminPassword);
  const blobs = await openBlobStore(cfg.storage ?? { kind: 'file', dir: join(cfg.dataDir, 'blobs') });
  const stores = await openMetaStores(db, cfg.clock, cfg.log);
  // Token pulls read project rows through a cache of at most 1 s; a project write made here drops it.
  const projectRows = new ProjectRowCache(stores.projects, cfg.clock);
  stores.projects = projectRows.wrapWrites(stores.projects);
  const uploadTtlMs = cfg.uploadTtlMs ?? DEFAULT_UPLOAD_TTL_MS;
  // Pushes tell the SBOM service (auto generation); it pushes its documents through the registry.
  let sbom: SbomService | undefined;
  // Pulls ask the scan service (prevent_vul); it is built further down.
  let scans: ScanService | undefined;
  const access = new AccessControl(stores);
  const immutable = new ImmutableService(stores, access);
  // The token key is generated on first start (RSA, 50-500 ms off the main thread): the server
  // answers meanwhile, and token requests wait for it (services/token.ts).
  const tokenKey = loadTokenKey(stores.secrets, cfg.dataDir, cfg.log);
  tokenKey.catch((e: unknown) => cfg.log.error('the token signing key could not be loaded or made: token requests fail', { error: e }));
  // One key seals every stored secret: registry credentials, the configuration's passwords, webhook auth headers.
  const box = new SecretBox(await loadRegistryKey(stores.secrets, cfg.dataDir, cfg.log));
  const webhooks = new WebhookService(stores, access, box, cfg.log, { clock: cfg.clock, ...cfg.webhooks });
  // Database locks: what makes replicas on one database act as one (services/locks.ts).
  const dbLocks = new Locks(stores, cfg.log);
  // One write barrier for every writer of blobs and for GC (services/gc.ts), across replicas.
  const locks = new BlobLocks(dbLocks);
  const registryOpts: RegistryOptions = {
    uploadTtlMs, clock: cfg.clock, onManifestPut: (e) => sbom?.onManifestPut(e), tagGuard: immutable.guard, locks,
    onQuotaExceeded: (repo, _q, message) => webhooks.quotaEvent(repo, message),
    onQuotaCharged: (repo, artifact) => webhooks.quotaCharged(repo, artifact),
    pullPolicy: (repo, digest, mediaType, puller) => scans?.checkVulnerable(repo.project, repo.name, digest, mediaType, puller) ?? Promise.resolve(),
  };
  const registries = new RegistryEndpointService(stores, box);
  const registry = new ProxyRegistry(stores, blobs, cfg.log, registryOpts, (id) => registries.endpointFor(id), { ...cfg.proxy, locks: dbLocks });
  // The SBOM service writes as Harbor's scanner does, into proxy-cache projects too: it uses the
  // registry without the proxy decorator, whose push refusal is for clients.
  sbom = new SbomService(stores, blobs, new RegistryService(stores, blobs, cfg.log, registryOpts), {
    log: cfg.log, clock: cfg.clock, toolVersion: harborctlVersion(),
    onFinished: (repository, digest, st) => void webhooks.scanEvent(repository, digest, st).catch((e: unknown) => cfg.log.error('webhook scan event failed', { error: e })),
    scanLimits: { tmpDir: await sbomScratch(cfg.dataDir, dbLocks), ...sbomLimitsFromEnv(), ...cfg.sbomScanLimits },
    locks: dbLocks,
    external: (projectId, repository, digest) => scans?.sbomDocument(projectId, repository, digest) ?? Promise.resolve(null),
  });

  const config = new ConfigService(stores, access, box, { defaultStorageLimit: cfg.defaultStorageLimit });
  await config.load();
  for (const item of await config.seed(cfg.initialConfig ?? {})) {
    cfg.log.warn(`configuration item ${item}: the stored value is in force, not the one serve was started with (change it with harborctl config set)`);
  }
  const robots = new RobotService(stores, access, { clock: cfg.clock, defaultDuration: () => config.robotTokenDuration, prefix: () => config.str('robot_name_prefix') });
  const ldap = new LdapService(stores, config, access, cfg.log);
  let audit: AuditLogService | undefined;
  const auditExt = new AuditExtService(stores, access, cfg.log, () => config.auditSettings, { clock: cfg.clock, flushFeeds: () => audit?.flush() });
  const oidc = new OidcService(stores, config, access, box, cfg.log, {
    clock: cfg.clock,
    onLogin: (username, ok) => auditExt.event({ operation: 'login', resourceType: 'user', resource: username, username, success: ok, description: 'OIDC sign-in' }),
  });
  const auth = new AuthService(stores, {
    // A login's source address is its resource's description (Harbor records the user name as the resource).
    onLogin: (who, ok) => auditExt.event({ operation: 'login', resourceType: 'user', resource: who.username, username: who.username,
      success: ok, description: `login ${ok ? 'succeeded' : 'failed'} from ${who.address ?? 'unknown address'}` }),
    clock: cfg.clock, delay: cfg.loginDelay, robots, directories: [ldap, oidc],
    // The name or the client address only, never the password tried.
    onThrottle: (who, failures) => cfg.log.warn('repeated failed logins: slowing down further attempts',
      { ...(who.username !== undefined ? { username: who.username.slice(0, 100) } : { address: who.address }), failures }),
  });
  const users = new UserService(stores, config);
  const usergroups = new UserGroupService(stores, access, config, () => ldap);
  const projects = new ProjectService(stores, access, config);
  const quotas = new QuotaService(stores, access);
  // Vulnerability scans through scanner adapters: they pull from the URL we listen on, with a pull-only token.
  let listenUrl: string | null = null;
  const adapterClient = new ScannerAdapterClient();
  const scanners = new ScannerService(stores, access, box, adapterClient, { version: harborctlVersion() });
  scans = new ScanService(stores, scanners, adapterClient, {
    log: cfg.log, clock: cfg.clock, registryUrl: () => listenUrl, pullToken: (sub, repo, ttl) => tokens.pullToken(sub, repo, ttl),
    onFinished: (r, overview) => void webhooks.vulnerabilityScanEvent(r.repository, r.digest, r.status === 'Success', overview)
      .catch((e: unknown) => cfg.log.error('webhook scan event failed', { error: e })),
  });
  const artifacts = new ArtifactService(stores, access, blobs, sbom, immutable.guard, scans);
  const auditLog = new AuditLogService(stores, access, cfg.log, { clock: cfg.clock, onBatch: (rows) => auditExt.artifactBatch(rows),
    extOperations: () => auditExt.inlineArtifactOperations() });
  audit = auditLog;
  // A retention policy's cron runs on the scheduler as its own kind, RETENTION:<policy id>; the
  // scheduler's execution records the trigger, the retention execution the work.
  let scheduleRetention: (policyId: number, cron: string | null) => Promise<void> = async () => undefined;
  const retention = new RetentionService(stores, access, immutable, {
    clock: cfg.clock, locks: dbLocks, flushPulls: () => auditLog.flush(), onScheduleChange: (id, cron) => scheduleRetention(id, cron),
    onTaskDone: (r) => webhooks.retentionEvent(r),
  });
  // A policy's cron runs on the scheduler as its own kind, REPLICATION:<policy id>, as retention's does.
  let scheduleReplication: (policyId: number, cron: string | null) => Promise<void> = async () => undefined;
  const replication = new ReplicationService(stores, new RegistryService(stores, blobs, cfg.log, registryOpts), (id) => registries.endpointFor(id), cfg.log, {
    ...cfg.replication, clock: cfg.clock, onScheduleChange: (id, cron) => scheduleReplication(id, cron),
    onTaskEnd: ({ projectName, ...e }) => void stores.projects.getProject(projectName).then((project) => {
      if (project) webhooks.replicationEvent({ ...e, project });
    }).catch((err: unknown) => cfg.log.error('webhook replication event failed', { error: err })),
    ensureProject: async (name) => {
      if (await stores.projects.getProject(name)) return;
      await stores.projects.createProject({ name, public: false, storageLimit: config.storagePerProject }).catch(async (e: unknown) => {
        if (!(await stores.projects.getProject(name))) throw e; // created meanwhile by another writer: fine
      });
    },
  });

  await ensureAdmin(stores, users, cfg.dataDir, cfg.log, cfg.adminPassword, cfg.notice, firstAdmin);
  await ensureLibrary(stores, cfg.log);
  const tokens = new TokenService(stores, access, tokenKey, { clock: cfg.clock, ttlSec: cfg.tokenTtlSec });
  await registry.purgeUploads();
  await sbom.resume();
  await retention.recover();
  await webhooks.start();
  const scheduler = new Scheduler(stores, cfg.log, { locks: dbLocks });
  const gc = new GcService(stores, blobs, locks, registry);
  scheduler.register(GC_KIND, (ctx) => gc.run(gcParameters(ctx.execution.parameters), ctx));
  scheduler.register(PURGE_AUDIT_KIND, (ctx) => auditLog.purge(purgeParameters(ctx.execution.parameters), ctx));
  scheduler.register(SCAN_ALL_KIND, (ctx) => scans.scanAll(ctx));
  scheduleRetention = async (policyId, cron) => {
    const kind = `${RETENTION_KIND}:${policyId}`;
    if (!scheduler.isRegistered(kind)) {
      scheduler.register(kind, async () => { await (await retention.runRetention(policyId, { dryRun: false, trigger: 'SCHEDULE' })).done; });
    }
    await scheduler.setSchedule(kind, cron ? 'Custom' : 'None', cron || undefined, {});
  };
  scheduleReplication = async (policyId, cron) => {
    const kind = `${REPLICATION_KIND}:${policyId}`;
    if (!scheduler.isRegistered(kind)) scheduler.register(kind, () => replication.startScheduled(policyId));
    await scheduler.setSchedule(kind, cron ? 'Custom' : 'None', cron || undefined, {});
  };
  const jobs = new JobMonitor(stores, scheduler, scans, sbom, webhooks, replication, cfg.clock);
  await jobs.start();
  await scheduler.start();
  await scans.resume();
  for (const { policyId, cron } of await retention.scheduled()) await scheduleRetention(policyId, cron);
  for (const { policyId, cron } of await replication.scheduled()) await scheduleReplication(policyId, cron);
  await replication.start();
  const purger = setInterval(() => {
    registry.purgeUploads().catch((e: unknown) => cfg.log.error('upload purge failed', { error: e }));
    oidc.purge().catch((e: unknown) => cfg.log.error('sign-in state purge failed', { error: e }));
  }, Math.max(1000, Math.min(uploadTtlMs / 4, 10 * 60_000)));
  purger.unref();
  // What other replicas on the database change or leave: the configuration, SBOM requests queued
  // there (or left by one that died), retention runs of dead replicas.
  const sync = setInterval(() => {
    Promise.all([config.load(), sbom!.sweep(), retention.recover()])
      .catch((e: unknown) => cfg.log.error('replica sync failed', { error: e }));
  }, REPLICA_SYNC_MS);
  sync.unref();

  const metrics = cfg.metrics && new ServerMetrics({
    inventory: new InventoryService(stores, { ...cfg.metrics, clock: cfg.clock }), sbomQueue: () => sbom!.queueStats(),
    harborVersion: `harborctl-${harborctlVersion()}`, log: cfg.log,
  });
  const metricsServer = metrics && createMetricsServer(metrics, cfg.log);
  const server = createHttpServer({
    registry, log: cfg.log, tls: cfg.tls, bodyIdleTimeoutMs: cfg.bodyIdleTimeoutMs, maxConnectionsPerClient: cfg.maxConnectionsPerClient, metrics,
    services: {
      stores, auth, access, config, ldap, oidc, users, usergroups, projects, artifacts, quotas, robots, immutable, retention, registries, tokens, projectRows,
      audit: auditLog, auditExt, webhooks, scheduler, replication, scanners, scans, jobs, version: harborctlVersion(),
      labels: new LabelService(stores, access), overview: new OverviewService(stores, access),
      system: {
        volumes: async () => { const f = await fsp.statfs(cfg.dataDir); return { total: f.blocks * f.bsize, free: f.bavail * f.bsize }; },
        caCert: async () => (cfg.tls?.caFile ? fsp.readFile(cfg.tls.caFile).catch(() => null) : null),
      },
      passwordChanged: (username, password) => updateAdminPasswordFile(cfg.dataDir, username, password),
    },
  });
  let closing: Promise<void> | undefined;
  return {
    server, registry, users, projects, quotas, robots, tokens, auth, stores, blobs, sbom, retention, webhooks, auditExt, scheduler, replication, scans,
    async listen(port, host) {
      const addr = await listenOn(server, port, host);
      listenUrl = localUrl(addr.address, addr.port, Boolean(cfg.tls));
      await writeServerInfo(cfg.dataDir, listenUrl, cfg.tls?.caFile);
      return addr.port;
    },
    async listenMetrics(port, host) {
      if (!metricsServer) throw new Error('metrics are off in this configuration');
      return (await listenOn(metricsServer, port, host)).port;
    },
    close() {
      closing ??= (async () => {
        clearInterval(purger);
        clearInterval(sync);
        // Stop accepting, let in-flight requests finish, drop idle keep-alive sockets.
        await Promise.all([server, metricsServer].map(async (s) => {
          if (!s?.listening) return;
          const done = new Promise<void>((resolve) => s.close(() => resolve()));
          s.closeIdleConnections();
          await done;
        }));
        jobs.close();
        await scans.close(); // first: a scan-all the scheduler then stops leaves its scans for the next start
        await scheduler.close();
        await replication.close();
        await adapterClient.close();
        await sbom.close();
        await retention.close();
        await webhooks.close(); // after the SBOM queue: its last scans may still notify
        await registry.close();
        await auditLog.close(); // the last batch, before the database closes
        await auditExt.close();
        await dbLocks.close();
        // A first start's key may still be generating (stopped within ~0.2 s): it is stored, not lost
        // and then written to a closed database (the error was logged after "stopped").
        await tokenKey.catch(() => undefined);
        await stores.close();
      })();
      return closing;
    },
  };
}

/** Opens the metadata backend the configuration names: the one place above storage/ that picks one. */
async function openMetaStores(db: DbConfig, clock: (() => number) | undefined, log: Logger): Promise<MetaStores> {
  const opts = clock ? { clock: () => new Date(clock()) } : {};
  if (db.kind === 'postgres') {
    const { openPgStores } = await import('../storage/meta/pg/index.js');
    try {
      return await openPgStores(db.url, opts);
    } catch (e) {
      // One line naming the database without its password; pg's messages never hold it.
      const why = (e as Error).message || (e as { code?: string }).code || 'connection failed';
      throw new HarborError('UNREACHABLE', `cannot open the database ${redactDbUrl(db)}: ${why}`);
    }
  }
  // The database holds password hashes: 0600, and SQLite gives its -wal and -shm files the same mode.
  await (await fsp.open(db.path, 'a', 0o600)).close();
  for (const f of [db.path, `${db.path}-wal`, `${db.path}-shm`]) await fsp.chmod(f, 0o600).catch(() => undefined);
  return openSqliteStores(db.path, {
    ...opts,
    worker: { onError: (e) => log.warn('WAL checkpoints and the audit log are written by the serving connection again: the SQLite worker failed', { error: e.message }) },
  });
}

function listenOn(server: http.Server, port: number, host: string): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    const failed = (e: Error): void => reject(e);
    server.once('error', failed);
    server.listen(port, host, () => { server.off('error', failed); resolve(server.address() as AddressInfo); });
  });
}

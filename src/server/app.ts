// Builds the whole registry from a config: stores, services, the HTTP server (not yet listening),
// the first-start defaults and the upload purger. `close()` undoes all of it.
import * as fsp from 'node:fs/promises';
import type http from 'node:http';
import { join } from 'node:path';
import type { Logger } from '../core/log.js';
import { RegistryService } from '../services/registry.js';
import { FsBlobStore } from '../storage/blobs/fs/index.js';
import { SqliteMetadataStore } from '../storage/meta/sqlite/index.js';
import { createHttpServer } from './http.js';

export interface AppConfig {
  dataDir: string;
  log: Logger;
  tls?: { cert: Buffer; key: Buffer };
  /** Idle time after which an upload session is abandoned (default 24 h). */
  uploadTtlMs?: number;
  clock?: () => number;
}

export interface App {
  server: http.Server;
  registry: RegistryService;
  meta: SqliteMetadataStore;
  blobs: FsBlobStore;
  close(): Promise<void>;
}

export const DEFAULT_UPLOAD_TTL_MS = 24 * 3600_000;

export async function createApp(cfg: AppConfig): Promise<App> {
  await fsp.mkdir(cfg.dataDir, { recursive: true, mode: 0o700 });
  const blobs = new FsBlobStore(join(cfg.dataDir, 'blobs'));
  await blobs.init();
  const meta = new SqliteMetadataStore(join(cfg.dataDir, 'registry.db'), cfg.clock ? { clock: () => new Date(cfg.clock!()) } : {});
  const uploadTtlMs = cfg.uploadTtlMs ?? DEFAULT_UPLOAD_TTL_MS;
  const registry = new RegistryService(meta, blobs, cfg.log, { uploadTtlMs, clock: cfg.clock });

  if (!(await meta.getProject('library'))) {
    await meta.createProject({ name: 'library', public: true });
    cfg.log.info('created the public project library');
  }
  await registry.purgeUploads();
  const purger = setInterval(() => {
    registry.purgeUploads().catch((e: unknown) => cfg.log.error('upload purge failed', { error: e }));
  }, Math.max(1000, Math.min(uploadTtlMs / 4, 10 * 60_000)));
  purger.unref();

  const server = createHttpServer({ registry, log: cfg.log, tls: cfg.tls });
  let closing: Promise<void> | undefined;
  return {
    server, registry, meta, blobs,
    close() {
      closing ??= (async () => {
        clearInterval(purger);
        if (server.listening) {
          // Stop accepting, let in-flight requests finish, drop idle keep-alive sockets.
          const done = new Promise<void>((resolve) => server.close(() => resolve()));
          server.closeIdleConnections();
          await done;
        }
        await meta.close();
      })();
      return closing;
    },
  };
}

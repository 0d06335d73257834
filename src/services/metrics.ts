// What /metrics reports about the registry's contents (Harbor's exporter: src/pkg/exporter/
// project_collector.go): projects, repositories, quota and pulls per project, and open upload
// sessions. Read from the stores at scrape time, never on the request path; a snapshot is kept for
// a few seconds and concurrent scrapes share one reading. Its cost is bounded: per-project series for
// at most MAX_PROJECT_SERIES projects, and the reading yields to the event loop between projects
// (better-sqlite3 is synchronous: one long reading would stall every request behind it).
import { nextTurn } from '../core/chunks.js';
import type { MetaStores, Project } from '../storage/meta/index.js';

/** Per-project series (5 each) are kept for at most this many projects: those using the most storage. */
export const MAX_PROJECT_SERIES = 1000;
export const DEFAULT_INVENTORY_TTL_MS = 10_000;

export interface ProjectStats {
  name: string;
  public: boolean;
  repoCount: number;
  /** Bytes used and the storage limit (-1: none), as the project's quota says. */
  quotaUsed: number;
  quotaLimit: number;
  /** Manifest GETs since this process started (Harbor counts them since the repository's creation). */
  pulls: number;
}

export interface Inventory {
  publicProjects: number;
  privateProjects: number;
  /** The projects with per-project series (see MAX_PROJECT_SERIES). */
  projects: ProjectStats[];
  /** Projects left out of `projects` by the cap. */
  omittedProjects: number;
  uploadSessions: number;
}

export interface InventoryOptions { ttlMs?: number; maxProjects?: number; clock?: () => number }

export class InventoryService {
  /** Pulls per project id since start; ids of deleted projects drop out at the next reading. */
  private readonly pulls = new Map<number, number>();
  private cached: { at: number; value: Inventory } | undefined;
  private reading: Promise<Inventory> | undefined;
  private readonly ttlMs: number;
  private readonly maxProjects: number;
  private readonly now: () => number;

  constructor(private readonly stores: Pick<MetaStores, 'projects' | 'artifacts' | 'uploads'>, opts: InventoryOptions = {}) {
    this.ttlMs = opts.ttlMs ?? DEFAULT_INVENTORY_TTL_MS;
    this.maxProjects = opts.maxProjects ?? MAX_PROJECT_SERIES;
    this.now = opts.clock ?? Date.now;
  }

  /** Notes one pull (a manifest GET); O(1), called on the request path. */
  notePull(project: Project): void {
    this.pulls.set(project.id, (this.pulls.get(project.id) ?? 0) + 1);
  }

  /** The current figures, at most `ttlMs` old. */
  async snapshot(): Promise<Inventory> {
    if (this.cached && this.now() - this.cached.at < this.ttlMs) return this.cached.value;
    this.reading ??= this.read().then((value) => {
      this.cached = { at: this.now(), value };
      return value;
    }).finally(() => { this.reading = undefined; });
    return this.reading;
  }

  private async read(): Promise<Inventory> {
    const all = await this.stores.projects.listProjects();
    const live = new Set(all.map((p) => p.id));
    for (const id of this.pulls.keys()) if (!live.has(id)) this.pulls.delete(id);
    const publicProjects = all.filter((p) => p.public).length;
    const chosen = [...all].sort((a, b) => b.storageUsed - a.storageUsed || (a.name < b.name ? -1 : 1)).slice(0, this.maxProjects);
    const projects: ProjectStats[] = [];
    for (const p of chosen) {
      await nextTurn(); // let waiting requests run between projects
      const repos = await this.stores.artifacts.listProjectRepositories(p.id);
      projects.push({
        name: p.name, public: p.public, repoCount: repos.length,
        quotaUsed: p.storageUsed, quotaLimit: p.storageLimit, pulls: this.pulls.get(p.id) ?? 0,
      });
    }
    const uploadSessions = (await this.stores.uploads.listUploadsBefore(Number.MAX_SAFE_INTEGER)).length;
    return { publicProjects, privateProjects: all.length - publicProjects, projects, omittedProjects: all.length - chosen.length, uploadSessions };
  }
}

// The project rows a token-authenticated pull reads, kept for at most MAX_AGE_MS. A pull's token
// already carries its grant for its whole lifetime (30 minutes by default): the row only says whether
// the project is older than the token, and what the route needs (id, proxy registry, content trust).
// One read per manifest GET was ~9 % of its CPU (docs/benchmarks.md, round 2).
//
// Staleness: on this replica none for changes made here (wrapWrites drops every row on an update or a
// delete, and a read begun before such a write is not kept); on another replica sharing the database
// at most MAX_AGE_MS, after which the row is read again. A missing project is never kept, so a
// project created anywhere is seen at once. Pushes, deletes and Basic-auth requests never use it.
import type { Project, ProjectStore } from '../storage/meta/index.js';

export const MAX_AGE_MS = 1000;
const MAX_ROWS = 1024;

export class ProjectRowCache {
  private readonly rows = new Map<string, { project: Project; at: number }>();
  /** Bumped by every local write: a read that began before it is not kept. */
  private generation = 0;

  constructor(private readonly store: Pick<ProjectStore, 'getProject'>, private readonly now: () => number = Date.now) {}

  async getProject(name: string): Promise<Project | null> {
    const hit = this.rows.get(name);
    const t = this.now();
    if (hit && t - hit.at < MAX_AGE_MS && t >= hit.at) return hit.project;
    const gen = this.generation;
    const project = await this.store.getProject(name);
    if (project === null) {
      this.rows.delete(name);
    } else if (gen === this.generation) {
      if (this.rows.size >= MAX_ROWS) this.rows.clear();
      this.rows.set(name, { project, at: t });
    }
    return project;
  }

  clear(): void {
    this.generation++;
    this.rows.clear();
  }

  /** The store with its project writes dropping every kept row (the one place that wires stores calls it). */
  wrapWrites<S extends ProjectStore>(store: S): S {
    const clearAfter = <A extends unknown[], R>(f: (...a: A) => Promise<R>) => async (...a: A): Promise<R> => {
      this.clear();
      try {
        return await f.apply(store, a);
      } finally {
        this.clear();
      }
    };
    return Object.assign(Object.create(store) as S, {
      updateProject: clearAfter(store.updateProject),
      deleteProject: clearAfter(store.deleteProject),
    });
  }
}

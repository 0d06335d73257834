// Manifests read by GET and HEAD, kept while the database says nothing changed (issue 20): a pull by
// tag costs a change-token read instead of a three-table join and a copy of the content.
//
// Exact, also across replicas: an entry is used only while the store's change token (SQLite: this
// connection's changes and data_version, which moves on every commit by another process) is the one
// read before the entry was fetched (and after the request arrived), so a tag moved or a manifest
// deleted anywhere is never served from here. A store that cannot tell (PostgreSQL) returns null
// and nothing is cached. Any commit (the pull log's batches too) ends every entry, so entries live
// for a fraction of a second under load; what that costs is one re-read per manifest per commit.
import type { StoredManifest } from '../storage/meta/index.js';

/** Bytes of manifest content kept at most; a larger manifest is not kept at all. */
export const MANIFEST_CACHE_BYTES = 4 * 1024 * 1024;
const MAX_ENTRY_BYTES = 256 * 1024;

interface Entry { token: string; manifest: StoredManifest }

export class ManifestCache {
  private readonly entries = new Map<string, Entry>();
  private bytes = 0;

  constructor(private readonly budget = MANIFEST_CACHE_BYTES) {}

  /** The manifest of `repository` at `reference`, from the cache while `token` is the one it was read under, else from `read`. */
  async get(repository: string, reference: string, token: string | null, read: () => Promise<StoredManifest | null>): Promise<StoredManifest | null> {
    if (token === null) return read();
    const key = `${repository}\n${reference}`;
    const hit = this.entries.get(key);
    if (hit?.token === token) return hit.manifest;
    // The token was read before the manifest: a change committed in between leaves an entry that
    // the next, different token ends, never a stale entry under a current token.
    const m = await read();
    if (hit) this.drop(key, hit);
    if (m && m.content.length <= Math.min(MAX_ENTRY_BYTES, this.budget)) {
      this.entries.set(key, { token, manifest: m });
      this.bytes += m.content.length;
      // Oldest first (a Map keeps insertion order).
      for (const [k, e] of this.entries) {
        if (this.bytes <= this.budget) break;
        this.drop(k, e);
      }
    }
    return m;
  }

  get size(): number {
    return this.entries.size;
  }

  private drop(key: string, e: Entry): void {
    if (this.entries.delete(key)) this.bytes -= e.manifest.content.length;
  }
}

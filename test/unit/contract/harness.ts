// What every store contract suite shares: a fresh, empty, migrated set of stores per test (from the
// backend's factory) with a project `proj` in it, and small builders of manifests and blobs.
import { afterEach, beforeEach, expect } from 'vitest';
import { digestOf } from '../../../src/oci/digest.js';
import { MediaType } from '../../../src/oci/mediatypes.js';
import type { ManifestRecord, MetaStores, Project } from '../../../src/storage/meta/index.js';

/** Returns fresh, empty, migrated stores; the suite closes them after each test. */
export type StoresFactory = () => Promise<MetaStores>;

export interface ManifestSpec {
  /** Makes the content (and so the digest) unique. */
  seed: string;
  mediaType?: string;
  artifactType?: string | null;
  blobs?: string[];
  manifests?: string[];
  subject?: string | null;
  annotations?: Record<string, string> | null;
}

/** A ManifestRecord whose content is a small JSON document and whose digest is that content's. */
export function manifestRecord(spec: ManifestSpec): ManifestRecord {
  const content = Buffer.from(JSON.stringify({ schemaVersion: 2, seed: spec.seed, refs: spec.blobs ?? [], children: spec.manifests ?? [] }));
  return {
    digest: digestOf(content),
    mediaType: spec.mediaType ?? MediaType.ociManifest,
    artifactType: spec.artifactType ?? null,
    size: content.length,
    content,
    subject: spec.subject ?? null,
    annotations: spec.annotations ?? null,
    blobRefs: spec.blobs ?? [],
    manifestRefs: spec.manifests ?? [],
  };
}

export const blob = (s: string): { digest: string; size: number } => ({ digest: digestOf(s), size: s.length });

/** The stores under test (set before each test), the project `proj`, and a push helper. */
export interface StoresUnderTest extends MetaStores {
  project: Project;
  /** Links blobs into `repo` and pushes a manifest referencing them; returns the record. */
  push(repo: string, spec: ManifestSpec, tag?: string | null): Promise<ManifestRecord>;
}

/** Registers the per-test setup and teardown of a contract suite; call it inside the suite's describe. */
export function useStores(factory: StoresFactory): StoresUnderTest {
  const st = {} as StoresUnderTest;
  let opened: MetaStores | undefined;
  beforeEach(async () => {
    opened = await factory();
    Object.assign(st, opened);
    st.project = await opened.projects.createProject({ name: 'proj', public: false });
    st.push = async (repo, spec, tag = null) => {
      for (const d of spec.blobs ?? []) await st.content.linkBlob(repo, st.project.id, { digest: d, size: 1 });
      const m = manifestRecord(spec);
      expect(await st.content.putManifest(repo, st.project.id, m, tag)).toMatchObject({ ok: true });
      return m;
    };
  });
  afterEach(async () => {
    await opened?.close();
    opened = undefined;
  });
  return st;
}

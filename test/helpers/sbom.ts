// Images for the SBOM tests: a Debian-like image whose one layer holds the committed dpkg status
// snapshot (test/fixtures/sbom/dpkg/status) and os-release, pushed with the admin's credentials; an
// index of two such platforms; and what dpkg-query itself lists for that snapshot.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { tarBuffer } from './images.js';
import { MT, digestOf, pushBlob, pushManifest, type Descriptor } from './oci.js';

export const DPKG_DIR = fileURLToPath(new URL('../fixtures/sbom/dpkg/', import.meta.url));
const OS_RELEASE = 'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME="Debian GNU/Linux"\nVERSION_ID="12"\nID=debian\n';

/** `name version` lines dpkg-query lists for the snapshot, sorted. */
export function dpkgQueryPackages(): string[] {
  return execFileSync('dpkg-query', [`--admindir=${DPKG_DIR}`, '-W', '-f', '${Package} ${Version}\n'], { encoding: 'utf8' })
    .split('\n').filter(Boolean).sort();
}

export type PushedImage = Descriptor & { bytes: Buffer };

/** Pushes the dpkg image (one gzip layer) under `tag`; `arch` changes the config and so the digest. */
export async function pushDpkgImage(base: string, repo: string, tag: string, arch = 'amd64'): Promise<PushedImage> {
  const tar = await tarBuffer([
    { path: 'etc/os-release', data: OS_RELEASE },
    { path: 'var/lib/dpkg/status', data: readFileSync(`${DPKG_DIR}status`) },
  ]);
  const layer = await pushBlob(base, repo, gzipSync(tar), MT.ociLayer);
  const config = await pushBlob(base, repo, Buffer.from(JSON.stringify({
    architecture: arch, os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(tar)] },
  })), MT.ociConfig);
  return pushManifest(base, repo, tag, { schemaVersion: 2, mediaType: MT.ociManifest, config, layers: [layer] }, MT.ociManifest);
}

/** An index of linux/amd64 and linux/arm64 dpkg images; returns the index and its children. */
export async function pushDpkgIndex(base: string, repo: string, tag: string): Promise<{ index: PushedImage; children: PushedImage[] }> {
  const children = [await pushDpkgImage(base, repo, `${tag}-amd64`, 'amd64'), await pushDpkgImage(base, repo, `${tag}-arm64`, 'arm64')];
  const index = await pushManifest(base, repo, tag, {
    schemaVersion: 2, mediaType: MT.ociIndex,
    manifests: children.map((c, i) => ({ mediaType: c.mediaType, digest: c.digest, size: c.size, platform: { os: 'linux', architecture: i ? 'arm64' : 'amd64' } })),
  }, MT.ociIndex);
  return { index, children };
}

/** `name version` of every deb package in an SPDX document, sorted. */
export function spdxDebPackages(doc: { packages: { name: string; versionInfo?: string; externalRefs?: { referenceLocator: string }[] }[] }): string[] {
  return doc.packages.filter((p) => p.externalRefs?.some((r) => r.referenceLocator.startsWith('pkg:deb/')))
    .map((p) => `${p.name} ${p.versionInfo}`).sort();
}

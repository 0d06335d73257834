// The inventory a scan produces: what is installed in an image, where each package was found, and
// the operating system. Writers turn it into SPDX or CycloneDX; nothing here knows either format.

export type PackageType = 'deb' | 'apk' | 'rpm' | 'npm' | 'pypi' | 'golang' | 'maven';

export interface SbomPackage {
  type: PackageType;
  name: string;
  version: string;
  /** Package URL (github.com/package-url/purl-spec). */
  purl: string;
  /** License strings as the image records them (dpkg records none). */
  licenses: string[];
  /** Digest of the layer the record came from (the last layer that wrote the file). */
  layer: string;
  /** Path of the file that records the package, inside the image (a jar adds "!/inner/path"). */
  location: string;
  arch?: string;
  /** RPM epoch, when not 0 (also in `version` as "E:"; the purl carries it as a qualifier). */
  epoch?: string;
  /** Maven groupId, npm scope. */
  namespace?: string;
}

export interface OsRelease {
  id: string;
  versionId?: string;
  name?: string;
  prettyName?: string;
  versionCodename?: string;
}

/** The subject of the SBOM: the image it describes. */
export interface ImageSubject {
  name: string;
  /** Manifest digest, when known. */
  digest?: string;
}

export interface Inventory {
  subject: ImageSubject;
  os?: OsRelease;
  packages: SbomPackage[];
  /** Layer digests in order, bottom first. */
  layers: string[];
  /** Notes about what was skipped (too large, unreadable), for stderr. */
  warnings: string[];
}

/** A package as a cataloger finds it; the purl is made once the image's OS is known. */
export type FoundPackage = Omit<SbomPackage, 'purl' | 'layer' | 'location'> & { location?: string };

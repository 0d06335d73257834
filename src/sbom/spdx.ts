// SPDX 2.3 JSON (spdx-spec v2.3 schemas/spdx-schema.json): the image is the described package,
// it CONTAINS the operating system and every package found; each package carries its purl as a
// PACKAGE-MANAGER external reference and the layer it came from in sourceInfo.
import { combinedExpression } from './licenses.js';
import { shortHash, stableUuid } from './ids.js';
import type { Inventory, SbomPackage } from './types.js';

export interface WriterOptions {
  /** Creation time; default now. */
  created?: Date;
  toolName?: string;
  toolVersion?: string;
}

export const SPDX_MEDIA_TYPE = 'application/spdx+json';

function spdxId(kind: string, ...parts: string[]): string {
  return `SPDXRef-${kind}-${shortHash(...parts)}`;
}

function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function toSpdx(inv: Inventory, opts: WriterOptions = {}): Record<string, unknown> {
  const created = iso(opts.created ?? new Date());
  const tool = `${opts.toolName ?? 'harborctl'}-${opts.toolVersion ?? '0.0.0'}`;
  const extracted = new Map<string, string>();
  const licenseOf = (p: SbomPackage): string => {
    if (p.licenses.length === 0) return 'NOASSERTION';
    const expr = combinedExpression(p.licenses);
    if (expr) return expr;
    // Free text becomes a LicenseRef with the text kept in hasExtractedLicensingInfos.
    const text = p.licenses.join('; ');
    const ref = `LicenseRef-${shortHash(text)}`;
    extracted.set(ref, text);
    return ref;
  };

  const imageId = 'SPDXRef-Image';
  const packages: Record<string, unknown>[] = [{
    name: inv.subject.name,
    SPDXID: imageId,
    ...(inv.subject.digest ? { versionInfo: inv.subject.digest } : {}),
    downloadLocation: 'NOASSERTION',
    filesAnalyzed: false,
    licenseConcluded: 'NOASSERTION',
    licenseDeclared: 'NOASSERTION',
    copyrightText: 'NOASSERTION',
    primaryPackagePurpose: 'CONTAINER',
  }];
  const relationships: Record<string, unknown>[] = [
    { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: imageId },
  ];
  if (inv.os) {
    const osId = spdxId('OperatingSystem', inv.os.id, inv.os.versionId ?? '');
    packages.push({
      name: inv.os.id,
      SPDXID: osId,
      ...(inv.os.versionId ? { versionInfo: inv.os.versionId } : {}),
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: 'NOASSERTION',
      copyrightText: 'NOASSERTION',
      // The 2.3 JSON schema spells it with an underscore (the tag-value spec text uses a hyphen).
      primaryPackagePurpose: 'OPERATING_SYSTEM',
      ...(inv.os.prettyName ? { description: inv.os.prettyName } : {}),
    });
    relationships.push({ spdxElementId: imageId, relationshipType: 'CONTAINS', relatedSpdxElement: osId });
  }
  for (const p of inv.packages) {
    const id = spdxId('Package', p.purl, p.location);
    packages.push({
      name: p.name,
      SPDXID: id,
      versionInfo: p.version,
      downloadLocation: 'NOASSERTION',
      filesAnalyzed: false,
      licenseConcluded: 'NOASSERTION',
      licenseDeclared: licenseOf(p),
      copyrightText: 'NOASSERTION',
      sourceInfo: `found in layer ${p.layer} at /${p.location}`,
      primaryPackagePurpose: 'LIBRARY',
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: p.purl }],
    });
    relationships.push({ spdxElementId: imageId, relationshipType: 'CONTAINS', relatedSpdxElement: id });
  }

  const uuid = stableUuid(inv.subject.name, inv.subject.digest ?? '', created, ...inv.packages.map((p) => `${p.purl} ${p.location}`));
  const safeName = inv.subject.name.replace(/[^A-Za-z0-9._-]+/g, '-');
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: inv.subject.name,
    documentNamespace: `https://spdx.org/spdxdocs/harborctl/${safeName}-${uuid}`,
    creationInfo: { created, creators: [`Tool: ${tool}`] },
    documentDescribes: [imageId],
    packages,
    relationships,
    ...(extracted.size ? {
      hasExtractedLicensingInfos: [...extracted].map(([licenseId, extractedText]) => ({ licenseId, extractedText, name: extractedText.slice(0, 200) })),
    } : {}),
  };
}

// CycloneDX 1.6 JSON (bom-1.6.schema.json): the image is metadata.component (type container), the
// operating system and packages are components; the layer and path go in properties under the
// "harborctl:" namespace.
import { combinedExpression } from './licenses.js';
import { shortHash, stableUuid } from './ids.js';
import type { WriterOptions } from './spdx.js';
import type { Inventory, SbomPackage } from './types.js';

export const CYCLONEDX_MEDIA_TYPE = 'application/vnd.cyclonedx+json';

function licensesOf(p: SbomPackage): unknown[] | undefined {
  if (p.licenses.length === 0) return undefined;
  const expr = combinedExpression(p.licenses);
  if (expr) return [{ expression: expr }];
  return [...new Set(p.licenses)].map((name) => ({ license: { name } }));
}

export function toCycloneDx(inv: Inventory, opts: WriterOptions = {}): Record<string, unknown> {
  const created = opts.created ?? new Date();
  const timestamp = created.toISOString().replace(/\.\d{3}Z$/, 'Z');
  const components: Record<string, unknown>[] = [];
  if (inv.os) {
    components.push({
      type: 'operating-system',
      'bom-ref': `os-${shortHash(inv.os.id, inv.os.versionId ?? '')}`,
      name: inv.os.id,
      ...(inv.os.versionId ? { version: inv.os.versionId } : {}),
      ...(inv.os.prettyName ? { description: inv.os.prettyName } : {}),
    });
  }
  for (const p of inv.packages) {
    const licenses = licensesOf(p);
    components.push({
      type: 'library',
      'bom-ref': `pkg-${shortHash(p.purl, p.location)}`,
      ...(p.namespace && p.type === 'maven' ? { group: p.namespace } : {}),
      name: p.name,
      version: p.version,
      ...(licenses ? { licenses } : {}),
      purl: p.purl,
      properties: [
        { name: 'harborctl:package:type', value: p.type },
        { name: 'harborctl:layer:digest', value: p.layer },
        { name: 'harborctl:location:path', value: `/${p.location}` },
      ],
    });
  }
  const uuid = stableUuid(inv.subject.name, inv.subject.digest ?? '', timestamp, ...inv.packages.map((p) => `${p.purl} ${p.location}`));
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.6.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.6',
    serialNumber: `urn:uuid:${uuid}`,
    version: 1,
    metadata: {
      timestamp,
      tools: { components: [{ type: 'application', name: opts.toolName ?? 'harborctl', version: opts.toolVersion ?? '0.0.0' }] },
      component: {
        type: 'container',
        'bom-ref': 'image',
        name: inv.subject.name,
        ...(inv.subject.digest ? { version: inv.subject.digest } : {}),
      },
    },
    components,
  };
}

// src/sbom: a library with no HTTP and no database. scanLayers() walks an image's layers into an
// Inventory; toSpdx()/toCycloneDx() write it; openLocalImage() reads an image from disk.
export { scanLayers, DEFAULT_SCAN_LIMITS, type LayerSource, type ScanLimits, type ScanOptions } from './walker.js';
export { scanInWorker } from './worker.js';
export { openLocalImage, type LocalImage } from './image.js';
export { toSpdx, SPDX_MEDIA_TYPE, type WriterOptions } from './spdx.js';
export { toCycloneDx, CYCLONEDX_MEDIA_TYPE } from './cyclonedx.js';
export type { Inventory, SbomPackage, OsRelease, ImageSubject, PackageType } from './types.js';

import { openLocalImage } from './image.js';
import { scanLayers } from './walker.js';
import type { Inventory } from './types.js';

/** Scans a local OCI layout directory, OCI layout tar or `docker save` tar. */
export async function scanLocalImage(path: string, ref?: string): Promise<Inventory> {
  const image = await openLocalImage(path, ref);
  return scanLayers(image.layers, image.subject);
}

// Harbor tag "icon": GET /icons/{digest}, the built-in icon of an artifact type under the digest name
// Harbor gives it (src/lib/icon/const.go), which clients read from an artifact's `icon` field. The
// images are our own small SVGs (Harbor's are PNGs of its own); Harbor answers Icon
// {content-type, content (base64)} and needs no sign-in.
import { HarborError } from '../../core/errors.js';
import { parseDigest } from '../../oci/digest.js';
import { ICONS } from '../../services/artifacts.js';
import { sendJson } from '../context.js';
import type { ApiRouter } from './router.js';

/** A 64×64 rounded tile with a glyph drawn in `body`. */
const tile = (color: string, body: string): string =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64" viewBox="0 0 64 64"><rect x="2" y="2" width="60" height="60" rx="10" fill="${color}"/>${body}</svg>`;

const SVG: Record<string, string> = {
  // A container: a box with slats.
  [ICONS.IMAGE]: tile('#1d6fa5', '<rect x="14" y="20" width="36" height="26" rx="2" fill="none" stroke="#fff" stroke-width="3"/><path d="M23 24v18M32 24v18M41 24v18" stroke="#fff" stroke-width="3"/>'),
  // A model: three connected nodes.
  [ICONS.CNAI]: tile('#6b4fbb', '<path d="M20 44L32 20L44 44Z" fill="none" stroke="#fff" stroke-width="3"/><circle cx="32" cy="20" r="5" fill="#fff"/><circle cx="20" cy="44" r="5" fill="#fff"/><circle cx="44" cy="44" r="5" fill="#fff"/>'),
  // An SBOM: a list.
  [ICONS.SBOM]: tile('#2e8b57', '<path d="M22 22h24M22 32h24M22 42h16" stroke="#fff" stroke-width="4" stroke-linecap="round"/>'),
  // Anything else: a plain file.
  [ICONS.UNKNOWN]: tile('#6c757d', '<path d="M22 14h14l8 8v28H22Z" fill="none" stroke="#fff" stroke-width="3" stroke-linejoin="round"/>'),
};

export function iconRoutes(r: ApiRouter): void {
  r.add('GET', '/icons/{digest}', async (c) => {
    const digest = c.params.digest;
    try {
      parseDigest(digest);
    } catch {
      throw new HarborError('BAD_REQUEST', `invalid digest ${JSON.stringify(digest.slice(0, 100))}`);
    }
    const svg = Object.hasOwn(SVG, digest) ? SVG[digest] : undefined;
    if (!svg) throw new HarborError('NOT_FOUND', `icon ${digest.slice(0, 100)} not found`);
    sendJson(c.http, 200, { 'content-type': 'image/svg+xml', content: Buffer.from(svg).toString('base64') });
  });
}
